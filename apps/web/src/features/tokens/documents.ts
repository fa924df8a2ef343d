import { gql } from "@urql/core";
import type { Role } from "../../lib/session.ts";

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const TOKEN_FIELDS = "id name role createdAt lastUsedAt revokedAt";
type ErrorResult = { __typename: "ForbiddenError" | "ConflictError" | "NotFoundError"; message: string };

export const ApiTokensQuery = gql<
  { apiTokens: { __typename: "QueryApiTokensSuccess"; data: ApiToken[] } | ErrorResult },
  Record<string, never>
>(`query ApiTokens {
  apiTokens { __typename ... on QueryApiTokensSuccess { data { ${TOKEN_FIELDS} } } ... on Error { message } }
}`);

export const CreateApiTokenMutation = gql<
  {
    createApiToken:
      | { __typename: "MutationCreateApiTokenSuccess"; data: { secret: string; token: ApiToken } }
      | { __typename: "ValidationError"; message: string }
      | ErrorResult;
  },
  { name: string; role: Role }
>(`mutation CreateApiToken($name: String!, $role: ApiTokenRole!) {
  createApiToken(name: $name, role: $role) {
    __typename
    ... on MutationCreateApiTokenSuccess { data { secret token { ${TOKEN_FIELDS} } } }
    ... on Error { message }
  }
}`);

export const RevokeApiTokenMutation = gql<
  { revokeApiToken: { __typename: "MutationRevokeApiTokenSuccess"; data: ApiToken } | ErrorResult },
  { id: string }
>(`mutation RevokeApiToken($id: ID!) {
  revokeApiToken(id: $id) {
    __typename
    ... on MutationRevokeApiTokenSuccess { data { ${TOKEN_FIELDS} } }
    ... on Error { message }
  }
}`);
