import { webPaths } from "@keyflow/schemas";
import { A } from "@solidjs/router";

export function NotFound() {
  return (
    <div class="center-page">
      <div class="card narrow">
        <h1>Page not found</h1>
        <p class="muted">The page does not exist, or you may not see it.</p>
        <A href={webPaths.projects} class="btn btn-primary">
          Back to projects
        </A>
      </div>
    </div>
  );
}
