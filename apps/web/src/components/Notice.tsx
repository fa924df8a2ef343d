import type { JSX } from "solid-js";

/** The outcome of an action, announced politely to screen readers. */
export function Notice(props: {
  kind: "success" | "error" | "info" | "warning";
  children: JSX.Element;
  testid?: string;
}) {
  return (
    <div
      class={`notice notice-${props.kind}`}
      role={props.kind === "error" ? "alert" : "status"}
      data-testid={props.testid}
    >
      {props.children}
    </div>
  );
}
