import type { JSX } from "solid-js";

export function AuthCard(props: {
  title: string;
  subtitle: string;
  children: JSX.Element;
  footer: JSX.Element;
}) {
  return (
    <div class="center-page">
      <div class="card auth-card">
        <h1>{props.title}</h1>
        <p class="muted">{props.subtitle}</p>
        {props.children}
        <p class="auth-footer">{props.footer}</p>
      </div>
    </div>
  );
}
