import { PageHeader } from "../components/ui";
import { useTitle } from "../hooks";

export default function Deals() {
  useTitle("Deals");
  return <PageHeader title="Deals" />;
}
