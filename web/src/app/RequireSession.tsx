import { Navigate, useLocation } from "react-router";
import { Layout } from "@/components/Layout";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { people } from "@/features/auth";
import { apiKey } from "@/lib/api/client";
import { useMe } from "@/lib/session";

/** Signed-in screens: the frame around them, or the sign-in page (coming back here afterwards). */
export function RequireSession() {
  const me = useMe();
  const location = useLocation();
  if (me.isLoading) return <PageLoader />;
  if (me.error) return <ProblemAlert error={me.error} />;
  if (!me.data) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  return (
    <Layout
      me={me.data}
      onSignOut={async () => {
        if (apiKey.get()) return;
        await people.signOut().catch(() => undefined);
      }}
      onSwitchOrganization={async (organization_id) => {
        await people.switchOrganization({ organization_id });
      }}
    />
  );
}
