import { gql } from "@urql/core";
import { SETTINGS_FIELDS, type SettingsData } from "../../lib/liveDocuments.ts";

export interface SettingsInput {
  syncIntervalMinutes?: number;
  agentInactiveAfterHours?: number;
  offlineAfterDays?: number;
  autoUnenrollEnabled?: boolean;
  autoUnenrollAfterDays?: number;
  autoUnenrollMaxPercent?: number;
  resendInvitationOnUnenroll?: boolean;
  apnsCertificateExpiresAt?: string;
  clearApnsCertificateExpiresAt?: boolean;
}

export interface FieldError {
  field: string;
  message: string;
}

export type UpdateSettingsResult =
  | { __typename: "MutationUpdateSettingsSuccess"; data: SettingsData }
  | { __typename: "ValidationError"; message: string; fieldErrors: FieldError[] }
  | { __typename: "ForbiddenError"; message: string };

export const SettingsQuery = gql<{ settings: SettingsData }, Record<string, never>>(
  `query Settings { settings { ${SETTINGS_FIELDS} } }`,
);

export const UpdateSettingsMutation = gql<{ updateSettings: UpdateSettingsResult }, { input: SettingsInput }>(
  `mutation UpdateSettings($input: SettingsInput!) {
    updateSettings(input: $input) {
      __typename
      ... on MutationUpdateSettingsSuccess { data { ${SETTINGS_FIELDS} } }
      ... on ValidationError { message fieldErrors { field message } }
      ... on Error { message }
    }
  }`,
);
