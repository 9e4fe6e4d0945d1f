import { PageHeader } from "../components/ui";
import { useTitle } from "../hooks";

export default function WorkflowDetail() {
  useTitle("WorkflowDetail");
  return <PageHeader title="WorkflowDetail" />;
}
