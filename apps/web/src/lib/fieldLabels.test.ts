import { describe, expect, test } from "vitest";
import { fieldLabel, fieldMessage } from "./fieldLabels";

describe("field names in messages", () => {
  test("use the form's words, never the input's path", () => {
    expect(fieldMessage("currentPassword", "is wrong")).toBe("Current password is wrong");
    expect(fieldMessage("password", "must be at least 8 characters")).toBe(
      "Password must be at least 8 characters",
    );
    expect(fieldMessage("name", "is required")).toBe("Name is required");
    expect(fieldMessage("nodeIds", "node 7 is not in this project")).toBe(
      "Nodes: node 7 is not in this project",
    );
    expect(fieldMessage("input", "is not valid JSON")).toBe("The request is not valid JSON");
  });

  test("metering settings and a top-up (SPEC §13)", () => {
    expect(fieldMessage("quota.requests", "must be at least 1")).toBe("Quota must be at least 1");
    expect(fieldLabel("quota.period")).toBe("Quota period");
    expect(fieldLabel("rateLimitMode")).toBe("When over the limit");
    expect(fieldMessage("requests", "must be at most 1000000000")).toBe(
      "Requests to add must be at most 1000000000",
    );
    expect(
      fieldMessage("keyId", "belongs to a template without a quota: set one on the API keys page first"),
    ).toBe("Key belongs to a template without a quota: set one on the API keys page first");
  });

  test("array indexes and unknown fields", () => {
    expect(fieldLabel("files.0.name")).toBe("File name");
    expect(fieldLabel("fields.2.value")).toBe("Value");
    expect(fieldLabel("somethingNew")).toBe("Something new");
  });
});
