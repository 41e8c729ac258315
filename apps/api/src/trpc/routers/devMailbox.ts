import { devMailbox } from "@keyflow/core";
import { authedProcedure, router } from "../init";

export const devMailboxRouter = router({
  /** What the local SMTP capture received; `open` says whether it is everyone's mail or only mine. */
  list: authedProcedure.query(async ({ ctx }) => {
    const open = ctx.config.devMailboxOpen;
    return { open, messages: await devMailbox.listDevMailbox(ctx.db, ctx.principal, { open }) };
  }),
});
