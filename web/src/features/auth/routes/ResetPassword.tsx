import { Alert, Button, PasswordInput, Stack, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { keys } from "@/lib/api/keys";
import { t } from "@/lib/strings";
import { people, tokenFromHash } from "../api/people";
import { AuthCard } from "../components/AuthCard";
import { ProblemAlert } from "@/components/ProblemAlert";

/** Without a token: ask for a link. With `#token=...` (the e-mailed or printed link): set a password. */
export function ResetPassword() {
  const [token] = useState(() => tokenFromHash(window.location.hash));
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const request = useMutation({ mutationFn: () => people.requestReset({ email }) });
  const complete = useMutation({
    mutationFn: () => people.completeReset({ token: token ?? "", new_password: password }),
    onSuccess: async () => {
      window.history.replaceState(null, "", window.location.pathname); // the token leaves the address bar
      await queryClient.invalidateQueries({ queryKey: keys.me });
      await navigate("/systems", { replace: true });
    },
  });
  if (token) {
    return (
      <AuthCard title={t.auth.resetTitle}>
        <form onSubmit={(e) => { e.preventDefault(); complete.mutate(); }}>
          <Stack>
            <ProblemAlert error={complete.error} />
            <PasswordInput label={t.auth.newPassword} description={t.auth.passwordHelp} autoComplete="new-password" minLength={12} value={password} onChange={(e) => { setPassword(e.currentTarget.value); }} required />
            <Button type="submit" loading={complete.isPending}>
              {t.auth.setPassword}
            </Button>
          </Stack>
        </form>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={t.auth.resetTitle}>
      <form onSubmit={(e) => { e.preventDefault(); request.mutate(); }}>
        <Stack>
          {request.isSuccess && <Alert role="status">{t.auth.resetSent}</Alert>}
          <ProblemAlert error={request.error} />
          <TextInput label={t.auth.email} type="email" autoComplete="username" value={email} onChange={(e) => { setEmail(e.currentTarget.value); }} required />
          <Button type="submit" loading={request.isPending}>
            {t.auth.resetRequest}
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
