/**
 * Who is signed in, shared by every feature: `GET /v1/me` as the people contract
 * (/work/coord/PEOPLE_API.md) describes it, or the API key's own answer before that lands.
 */
import { useQuery } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "@/lib/api/client";
import { keys } from "@/lib/api/keys";

export type Role = "admin" | "assessor" | "reviewer" | "procurement" | "viewer";

export interface Me {
  kind: "person" | "key";
  user: { id: string; email: string; display_name: string } | null;
  key: { id: string; name: string; prefix: string } | null;
  organization: { id: string; slug: string; name: string };
  role: Role | null;
  scopes: string[];
  organizations: { id: string; slug: string; name: string; role: Role | null }[];
}

interface KeyWhoAmI {
  organization: { id: string; slug: string; name: string };
  key: { id: string; name: string; prefix: string; scopes: string[] };
}

function toMe(data: Me | KeyWhoAmI): Me {
  if ("kind" in data) return data;
  return {
    kind: "key",
    user: null,
    key: { id: data.key.id, name: data.key.name, prefix: data.key.prefix },
    organization: data.organization,
    role: null,
    scopes: data.key.scopes,
    organizations: [{ ...data.organization, role: null }],
  };
}

async function fetchMe(): Promise<Me | null> {
  try {
    return toMe(unwrap(await api.GET("/v1/me")));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export function useMe() {
  return useQuery({ queryKey: keys.me, queryFn: fetchMe, staleTime: 60_000 });
}

export function can(me: Me | null | undefined, scope: string): boolean {
  return !!me && (me.scopes.includes("admin") || me.scopes.includes(scope));
}

/** A name for the person (or key) acting. */
export function actorName(me: Me): string {
  return me.user?.display_name ?? me.key?.name ?? "";
}
