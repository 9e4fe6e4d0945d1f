import { PageHeader } from "../components/ui";
import { useTitle } from "../hooks";

export default function AgentDetail() {
  useTitle("AgentDetail");
  return <PageHeader title="AgentDetail" />;
}
