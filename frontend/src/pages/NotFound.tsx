import { Empty } from "../components/ui";
import { useTitle } from "../hooks";

export default function NotFound() {
  useTitle("Not found");
  return (
    <Empty title="This page does not exist" action={<a class="btn btn-primary" href="/inbox">Go to the inbox</a>}>
      The address may be mistyped, or what it pointed to was deleted.
    </Empty>
  );
}
