import { PageHeader } from "../../components/PageHeader";
import { Placeholder } from "../../components/Placeholder";

export default function ApiKeys() {
  return (
    <div class="page">
      <PageHeader
        title="API keys"
        subtitle="Publish key templates so other users can call this project as a service."
      />
      <Placeholder title="API key templates are coming in a later release">
        Templates, their information fields and the requests waiting for your approval will live here.
      </Placeholder>
    </div>
  );
}
