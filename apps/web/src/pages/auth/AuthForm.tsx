import { useNavigate, useSearchParams } from "@solidjs/router";
import type { JSX } from "solid-js";
import { Button } from "../../components/Button";
import { ErrorBox } from "../../components/ErrorBox";
import { createAction } from "../../lib/action";
import { nextPath } from "../../lib/paths";
import { type Me, setMe } from "../../lib/session";
import { usePageTitle } from "../../lib/title";
import { AuthCard } from "./AuthCard";

/**
 * The sign-in / sign-up page: an {@link AuthCard} holding a form of the page's fields, the error
 * and a full-width submit button. On success the user is stored and sent on to `next`.
 */
export function AuthForm(props: {
  title: string;
  subtitle: string;
  footer: JSX.Element;
  submitLabel: string;
  /** Calls the server with the fields' values; resolves to the signed-in user. */
  submit: () => Promise<Me>;
  /** The form's fields. */
  children: JSX.Element;
}) {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  usePageTitle(() => props.title);
  const action = createAction(async () => {
    const user = await props.submit();
    setMe(user);
    navigate(nextPath(params.next), { replace: true });
  });
  return (
    <AuthCard title={props.title} subtitle={props.subtitle} footer={props.footer}>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          action.run();
        }}
      >
        {props.children}
        <ErrorBox error={action.error()} />
        <Button type="submit" variant="primary" pending={action.pending()} class="btn-block">
          {props.submitLabel}
        </Button>
      </form>
    </AuthCard>
  );
}
