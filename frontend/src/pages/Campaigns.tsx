import { PageHeader } from "../components/ui";
import { useTitle } from "../hooks";

export default function Campaigns() {
  useTitle("Campaigns");
  return <PageHeader title="Campaigns" />;
}
