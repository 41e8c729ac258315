import { webPaths } from "@keyflow/schemas";
import { A } from "@solidjs/router";
import { usePageTitle } from "../lib/title";

export function NotFound() {
  usePageTitle("Page not found");
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
