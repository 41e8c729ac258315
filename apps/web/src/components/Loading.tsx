export function Loading(props: { label?: string }) {
  return (
    <div class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {props.label ?? "Loading…"}
    </div>
  );
}
