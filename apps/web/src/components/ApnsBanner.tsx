import { A } from "@solidjs/router";
import { Show } from "solid-js";
import { apnsWarning } from "../lib/apns.ts";
import { formatDateTime } from "../lib/format.ts";

export function ApnsBanner(props: { expiresAt: string | null | undefined; now: number; isAdmin: boolean }) {
  const warning = () => apnsWarning(props.expiresAt, props.now);
  return (
    <Show when={warning()}>
      {(w) => (
        <div class={`banner ${w().expired ? "banner-bad" : "banner-warn"}`} role="alert" data-testid="apns-banner">
          <strong>
            {w().expired
              ? `The APNs certificate expired on ${formatDateTime(props.expiresAt)}.`
              : `The APNs certificate expires on ${formatDateTime(props.expiresAt)} (in ${w().days} ${w().days === 1 ? "day" : "days"}).`}
          </strong>{" "}
          Renew the APN (Apple Push Notification) certificate in FleetDM: until it is renewed, Apple devices cannot
          validate their MDM profile and show as “MDM profile missing”.
          <Show when={props.isAdmin}>
            {" "}
            <A href="/settings">Update the expiry date</A> once renewed.
          </Show>
        </div>
      )}
    </Show>
  );
}
