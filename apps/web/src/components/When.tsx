import { formatDateTime, formatWhen } from "../lib/format";

/** A moment in words ("today at 20:03") in the user's zone; the full date on hover, ISO only for machines. */
export function When(props: { at: Date | string | null | undefined }) {
  const date = () => (props.at ? new Date(props.at) : undefined);
  return (
    <time datetime={date()?.toISOString()} title={formatDateTime(date())}>
      {formatWhen(date())}
    </time>
  );
}
