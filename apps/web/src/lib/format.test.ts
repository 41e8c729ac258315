import { describe, expect, it } from "vitest";
import { formatDuration, formatWhen } from "./format";

// Dates are built in the local zone, so the expectations hold in any zone the machine has.
describe("formatWhen: a moment in words, never ISO", () => {
  const now = new Date(2026, 11, 2, 12, 0);
  it("says today, tomorrow and yesterday with the time", () => {
    expect(formatWhen(new Date(2026, 11, 2, 20, 3), now)).toMatch(/^today at 20:03$|^today at 08:03\s?PM$/);
    expect(formatWhen(new Date(2026, 11, 3, 0, 30), now)).toMatch(/^tomorrow at /);
    expect(formatWhen(new Date(2026, 11, 1, 23, 59), now)).toMatch(/^yesterday at /);
  });
  it("names the date otherwise, with the year only when it is another year", () => {
    expect(formatWhen(new Date(2026, 11, 9, 10, 0), now)).toMatch(/^on .*9.* at /);
    expect(formatWhen(new Date(2026, 11, 9, 10, 0), now)).not.toMatch(/2026/);
    expect(formatWhen(new Date(2025, 0, 9, 10, 0), now)).toMatch(/2025/);
    expect(formatWhen(null, now)).toBe("—");
  });
  it("reads an ISO string from the server", () => {
    expect(formatWhen(new Date(2026, 11, 2, 15, 0).toISOString(), now)).toMatch(/^today at /);
  });
});

describe("formatDuration", () => {
  it("rounds down to the largest unit", () => {
    expect(formatDuration(3 * 86_400_000 + 5_000)).toBe("3 days");
    expect(formatDuration(3_600_000)).toBe("1 hour");
    expect(formatDuration(125_000)).toBe("2 minutes");
    expect(formatDuration(10_000)).toBe("less than a minute");
  });
});
