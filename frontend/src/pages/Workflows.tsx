import { PageHeader } from "../components/ui";
import { useTitle } from "../hooks";

export default function Workflows() {
  useTitle("Workflows");
  return <PageHeader title="Workflows" />;
}
