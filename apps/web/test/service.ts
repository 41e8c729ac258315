import type { WebUser } from "./users";

export type Service = Awaited<ReturnType<typeof createService>>;

/**
 * An owner's public service project, set up through the API: input and output data nodes, a
 * role for keys, and one key template per name with its project, input and output fields filled.
 */
export async function createService(owner: WebUser, name: string, templateNames: string[]) {
  const { api } = owner;
  const project = await api.projects.create.mutate({ name, isPublic: true });
  const input = await api.graph.createNode.mutate({ projectId: project.id, name: "input", kind: "data" });
  const output = await api.graph.createNode.mutate({ projectId: project.id, name: "output", kind: "data" });
  const role = await api.roles.create.mutate({
    projectId: project.id,
    name: "Key user",
    permissions: { project: ["project_view", "graph_view", "package_view", "package_create"], nodes: {} },
  });
  const templates = [];
  for (const templateName of templateNames) {
    const template = await api.apiKeys.createTemplate.mutate({
      projectId: project.id,
      name: templateName,
      roleId: role.id,
    });
    const node = { input, output } as Record<string, { id: number } | undefined>;
    for (const field of template.fields) {
      const id = node[field.name]?.id;
      if (id !== undefined) await api.apiKeys.updateField.mutate({ fieldId: field.id, value: String(id) });
    }
    templates.push(template);
  }
  return { project, input, output, role, templates };
}
