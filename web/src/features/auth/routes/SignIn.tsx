import { Alert, Anchor, Button, Divider, PasswordInput, Stack, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, apiKey, ApiError, unwrap } from "@/lib/api/client";
import { keys } from "@/lib/api/keys";
import { t } from "@/lib/strings";
import { people } from "../api/people";
import { AuthCard } from "../components/AuthCard";

function safeNext(next: string | null): string {
  // Only paths of this app: never another origin.
  return next?.startsWith("/") && !next.startsWith("//") ? next : "/systems";
}

export function SignIn() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [key, setKey] = useState("");
  const [withKey, setWithKey] = useState(false);
  const methods = useQuery({ queryKey: ["auth-methods"], queryFn: people.methods, retry: false });
  const done = async () => {
    await queryClient.invalidateQueries({ queryKey: keys.me });
    await navigate(safeNext(params.get("next")), { replace: true });
  };
  const signIn = useMutation({
    mutationFn: async () => {
      if (withKey) {
        apiKey.set(key.trim());
        try {
          unwrap(await api.GET("/v1/me"));
        } catch (e) {
          apiKey.clear();
          throw e;
        }
        return;
      }
      apiKey.clear();
      await people.signIn({ email, password });
    },
    onSuccess: done,
  });
  const error = signIn.error;
  let message: string | null = null;
  if (error instanceof ApiError && error.status === 401) message = t.auth.invalid;
  else if (error instanceof ApiError && error.status === 429)
    message = t.auth.tooMany(error.response?.headers.get("Retry-After") ?? "60");
  else if (error) message = error.message;
  const oidcError = params.get("error");
  return (
    <AuthCard title={t.auth.signInTitle}>
      {oidcError && (
        <Alert color="red" role="alert">
          {t.auth.oidcFailed}
        </Alert>
      )}
      {methods.data?.oidc && (
        <>
          <Button component="a" href={methods.data.oidc.start_url} variant="outline">
            {t.auth.signInWith(methods.data.oidc.name)}
          </Button>
          <Divider label={t.auth.or} labelPosition="center" />
        </>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          signIn.mutate();
        }}
      >
        <Stack>
          {message && (
            <Alert color="red" role="alert">
              {message}
            </Alert>
          )}
          {withKey ? (
            <PasswordInput label={t.auth.apiKey} description={t.auth.apiKeyHelp} value={key} onChange={(e) => { setKey(e.currentTarget.value); }} required autoComplete="off" />
          ) : (
            <>
              <TextInput label={t.auth.email} type="email" autoComplete="username" value={email} onChange={(e) => { setEmail(e.currentTarget.value); }} required />
              <PasswordInput label={t.auth.password} autoComplete="current-password" value={password} onChange={(e) => { setPassword(e.currentTarget.value); }} required />
            </>
          )}
          <Button type="submit" loading={signIn.isPending}>
            {t.auth.signIn}
          </Button>
          <Anchor component={Link} to="/reset-password" size="sm">
            {t.auth.forgot}
          </Anchor>
          <Anchor component="button" type="button" size="sm" onClick={() => { setWithKey(!withKey); }}>
            {withKey ? t.auth.usePassword : t.auth.useKey}
          </Anchor>
        </Stack>
      </form>
    </AuthCard>
  );
}
