import { PageHeader } from "../components/ui";
import { useTitle } from "../hooks";

export default function Settings() {
  useTitle("Settings");
  return <PageHeader title="Settings" />;
}
