import type { Harness } from "./harness";
import { projectWithKey } from "./harness";

/**
 * A service project whose template fields are filled (project, input = 41, output = 42), a holder
 * with an approved key from it, and a consumer project of the holder's with one compute node.
 */
export async function keyAndConsumer(h: Harness, opts: { templateName?: string } = {}) {
  const k = await projectWithKey(h, opts);
  const [template] = await k.owner.client.apiKeys.listTemplates.query({ projectId: k.project.id });
  for (const f of template!.fields) {
    if (f.name === "input") await k.owner.client.apiKeys.updateField.mutate({ fieldId: f.id, value: "41" });
    if (f.name === "output") await k.owner.client.apiKeys.updateField.mutate({ fieldId: f.id, value: "42" });
  }
  const consumer = await k.holder.client.projects.create.mutate({ name: "Consumer" });
  const node = await k.holder.client.graph.createNode.mutate({
    projectId: consumer.id,
    name: "Caller",
    kind: "compute",
  });
  return { ...k, consumer, node };
}
