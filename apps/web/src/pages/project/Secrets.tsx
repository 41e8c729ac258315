import { PageHeader } from "../../components/PageHeader";
import { Placeholder } from "../../components/Placeholder";

export default function Secrets() {
  return (
    <div class="page">
      <PageHeader
        title="Secrets"
        subtitle="Encrypted values that chosen nodes can read as environment variables."
      />
      <Placeholder title="Secrets are coming in a later release">
        You will add secrets here, import API keys from other projects as secrets, and choose which nodes may
        read them.
      </Placeholder>
    </div>
  );
}
