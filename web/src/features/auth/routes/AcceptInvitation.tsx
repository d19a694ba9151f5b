import { Alert, Button, PasswordInput, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { ProblemAlert } from "@/components/ProblemAlert";
import { PageLoader } from "@/components/PageLoader";
import { keys } from "@/lib/api/keys";
import { t } from "@/lib/strings";
import { people, tokenFromHash } from "../api/people";
import { AuthCard } from "../components/AuthCard";

export function AcceptInvitation() {
  const [token] = useState(() => tokenFromHash(window.location.hash));
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const invitation = useQuery({
    queryKey: ["invitation", token],
    queryFn: () => people.invitation(token ?? ""),
    enabled: !!token,
    retry: false,
  });
  const accept = useMutation({
    mutationFn: () => people.acceptInvitation({ token: token ?? "", display_name: name, password }),
    onSuccess: async () => {
      window.history.replaceState(null, "", window.location.pathname);
      await queryClient.invalidateQueries({ queryKey: keys.me });
      await navigate("/systems", { replace: true });
    },
  });
  if (!token || invitation.isError) {
    return (
      <AuthCard title={t.auth.inviteTitle}>
        <Alert color="red" role="alert">
          {t.auth.badLink}
        </Alert>
      </AuthCard>
    );
  }
  if (!invitation.data) return <PageLoader />;
  return (
    <AuthCard title={t.auth.inviteTitle}>
      <Text>{t.auth.inviteFor(invitation.data.organization.name, invitation.data.role)}</Text>
      <form onSubmit={(e) => { e.preventDefault(); accept.mutate(); }}>
        <Stack>
          <ProblemAlert error={accept.error} />
          <TextInput label={t.auth.email} value={invitation.data.email} readOnly />
          <TextInput label={t.auth.displayName} autoComplete="name" value={name} onChange={(e) => { setName(e.currentTarget.value); }} required />
          <PasswordInput label={t.auth.password} description={t.auth.passwordHelp} autoComplete="new-password" minLength={12} value={password} onChange={(e) => { setPassword(e.currentTarget.value); }} required />
          <Button type="submit" loading={accept.isPending}>
            {t.auth.accept}
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
