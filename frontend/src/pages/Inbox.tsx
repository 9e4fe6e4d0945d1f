import { PageHeader } from "../components/ui";
import { useTitle } from "../hooks";

export default function Inbox() {
  useTitle("Inbox");
  return <PageHeader title="Inbox" />;
}
