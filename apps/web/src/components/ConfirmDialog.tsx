import { createEffect, type JSX, Show } from "solid-js";

/**
 * A modal confirmation on the native <dialog>: it traps focus, closes on Escape and returns focus
 * to the button that opened it, without any library.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: JSX.Element;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  /** The confirm button stays disabled (e.g. until there is something to confirm). */
  confirmDisabled?: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  let dialog: HTMLDialogElement | undefined;
  createEffect(() => {
    if (!dialog) return;
    if (props.open && !dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    } else if (!props.open && dialog.open) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    }
  });
  return (
    <dialog
      ref={dialog}
      class="confirm-dialog"
      aria-labelledby="confirm-title"
      onCancel={(event) => {
        event.preventDefault();
        props.onCancel();
      }}
    >
      <Show when={props.open}>
        <h2 id="confirm-title">{props.title}</h2>
        <div class="dialog-body">{props.children}</div>
        <div class="dialog-actions">
          <button type="button" class="button" onClick={() => props.onCancel()} disabled={props.busy}>
            Cancel
          </button>
          <button
            type="button"
            class={`button ${props.danger ? "danger" : "primary"}`}
            onClick={() => props.onConfirm()}
            disabled={props.busy || props.confirmDisabled}
            data-testid="confirm"
          >
            {props.busy ? "Working…" : props.confirmLabel}
          </button>
        </div>
      </Show>
    </dialog>
  );
}
