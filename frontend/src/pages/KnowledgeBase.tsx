import { PageHeader } from "../components/ui";
import { useTitle } from "../hooks";

export default function KnowledgeBase() {
  useTitle("KnowledgeBase");
  return <PageHeader title="KnowledgeBase" />;
}
