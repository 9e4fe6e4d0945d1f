import { PageHeader } from "../components/ui";
import { useTitle } from "../hooks";

export default function Knowledge() {
  useTitle("Knowledge");
  return <PageHeader title="Knowledge" />;
}
