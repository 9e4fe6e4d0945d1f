import { PageHeader } from "../components/ui";
import { useTitle } from "../hooks";

export default function AuditLog() {
  useTitle("AuditLog");
  return <PageHeader title="AuditLog" />;
}
