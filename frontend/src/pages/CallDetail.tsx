import { PageHeader } from "../components/ui";
import { useTitle } from "../hooks";

export default function CallDetail() {
  useTitle("CallDetail");
  return <PageHeader title="CallDetail" />;
}
