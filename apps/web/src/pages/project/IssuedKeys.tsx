import { PageHeader } from "../../components/PageHeader";
import { Placeholder } from "../../components/Placeholder";

export default function IssuedKeys() {
  return (
    <div class="page">
      <PageHeader
        title="Issued keys"
        subtitle="Keys issued from this project's templates, with their usage."
      />
      <Placeholder title="Issued keys are coming in a later release">
        A table of issued keys with requests and cost per period, a usage chart, and revocation.
      </Placeholder>
    </div>
  );
}
