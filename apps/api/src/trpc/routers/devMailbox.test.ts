import { afterAll, beforeAll, expect, test } from "vitest";
import { createHarness, expectTrpcError, type Harness } from "../../../test/harness";

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

test("devMailbox.list: signed-in only; open shows every message, otherwise only mine", async () => {
  const ann = await h.user("Ann");
  const bob = await h.user("Bob");
  await h.db
    .insertInto("dev_mailbox")
    .values([
      {
        mail_from: "keyflow@localhost",
        mail_to: [ann.email],
        subject: "to Ann",
        text_body: "a",
        html_body: "<p>a</p>",
      },
      { mail_from: "keyflow@localhost", mail_to: [bob.email], subject: "to Bob", text_body: "b" },
    ])
    .execute();

  await expectTrpcError(h.client().devMailbox.list.query(), "UNAUTHORIZED");

  const open = await ann.client.devMailbox.list.query();
  expect(open.open).toBe(true);
  expect(open.messages.map((m) => m.subject)).toEqual(["to Bob", "to Ann"]);
  expect(open.messages[1]).toMatchObject({
    from: "keyflow@localhost",
    to: [ann.email],
    text: "a",
    html: "<p>a</p>",
  });
  expect(open.messages[1]?.receivedAt).toBeInstanceOf(Date);

  h.config.devMailboxOpen = false; // as with a non-localhost APP_URL
  try {
    const mine = await ann.client.devMailbox.list.query();
    expect(mine).toMatchObject({ open: false, messages: [{ subject: "to Ann" }] });
    expect(mine.messages).toHaveLength(1);
  } finally {
    h.config.devMailboxOpen = true;
  }
});
