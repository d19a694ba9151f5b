/** Who is signed in (`GET /v1/me`: a person with a session, or an API key), shared by every feature. */
import { useQuery } from "@tanstack/react-query";
import { api, ApiError, unwrap, type Schemas } from "@/lib/api/client";
import { keys } from "@/lib/api/keys";

export type Me = Schemas["Me"];

async function fetchMe(): Promise<Me | null> {
  try {
    return unwrap(await api.GET("/v1/me"));
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
