import { PageHeader } from "../components/ui";
import { useTitle } from "../hooks";

export default function Webhooks() {
  useTitle("Webhooks");
  return <PageHeader title="Webhooks" />;
}
