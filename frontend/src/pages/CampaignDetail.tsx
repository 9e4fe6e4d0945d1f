import { PageHeader } from "../components/ui";
import { useTitle } from "../hooks";

export default function CampaignDetail() {
  useTitle("CampaignDetail");
  return <PageHeader title="CampaignDetail" />;
}
