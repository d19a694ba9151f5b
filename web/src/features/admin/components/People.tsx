import { tone } from "@/lib/theme";
import { Alert, Badge, Button, Code, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { ProblemAlert } from "@/components/ProblemAlert";
import { useMe } from "@/lib/session";
import { t } from "@/lib/strings";
import { ROLES, useChangeRole, useDeactivate, useInvite, useUsers, type Role } from "../api/admin";

/** People and roles: invite, change a role, deactivate. */
export function People() {
  const me = useMe();
  const users = useUsers();
  const invite = useInvite();
  const changeRole = useChangeRole();
  const deactivate = useDeactivate();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("assessor");
  return (
    <Stack>
      <Title order={2} size="h3">
        {t.admin.invite}
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          invite.mutate({ email, role }, { onSuccess: () => { setEmail(""); } });
        }}
      >
        <Group align="end">
          <TextInput label={t.auth.email} type="email" value={email} onChange={(e) => { setEmail(e.currentTarget.value); }} required w={320} />
          <NativeSelect label={t.admin.role} value={role} onChange={(e) => { setRole(e.currentTarget.value as Role); }} data={ROLES.map((r) => ({ value: r, label: t.admin.roles[r] ?? r }))} />
          <Button type="submit" loading={invite.isPending}>
            {t.admin.sendInvite}
          </Button>
        </Group>
      </form>
      <ProblemAlert error={invite.error ?? changeRole.error ?? deactivate.error} />
      {invite.data && (
        <Alert color={tone.ok} variant="outline" title={t.admin.invited(invite.data.invitation.email)} data-testid="invited">
          {invite.data.link ? (
            <>
              <Text size="sm">{t.admin.inviteLinkOnce}</Text>
              <Code block data-testid="user-invitation-link" style={{ whiteSpace: "pre-wrap", wordBreak: "break-all" }}>
                {invite.data.link}
              </Code>
            </>
          ) : (
            <Text size="sm">{t.admin.inviteMailed}</Text>
          )}
        </Alert>
      )}
      <Table aria-label={t.admin.people} striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.admin.name}</Table.Th>
            <Table.Th>{t.auth.email}</Table.Th>
            <Table.Th>{t.admin.role}</Table.Th>
            <Table.Th>{t.system.status}</Table.Th>
            <Table.Th>{t.admin.lastSignIn}</Table.Th>
            <Table.Th>
              <span className="visually-hidden">{t.admin.actions}</span>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(users.data ?? []).map((u) => {
            const self = me.data?.user?.id === u.id;
            const active = u.status === "active";
            return (
              <Table.Tr key={u.id} data-testid={`user-row-${u.email}`} data-status={u.status}>
                <Table.Td>{u.display_name}</Table.Td>
                <Table.Td>{u.email}</Table.Td>
                <Table.Td>
                  <NativeSelect
                    aria-label={t.admin.roleOf(u.email)}
                    size="xs"
                    value={u.role}
                    disabled={!active || changeRole.isPending}
                    onChange={(e) => { changeRole.mutate({ user: u, role: e.currentTarget.value as Role }); }}
                    data={ROLES.map((r) => ({ value: r, label: t.admin.roles[r] ?? r }))}
                  />
                </Table.Td>
                <Table.Td>
                  <Badge color={active ? tone.ok : tone.neutral} size="sm">
                    {t.admin.statuses[u.status] ?? u.status}
                  </Badge>
                </Table.Td>
                <Table.Td>{u.last_sign_in_at?.slice(0, 16).replace("T", " ") ?? "—"}</Table.Td>
                <Table.Td>
                  {active && !self && (
                    <Button
                      size="xs"
                      color={tone.bad}
                      variant="outline"
                      aria-label={t.admin.deactivateWho(u.email)}
                      onClick={() => {
                        if (window.confirm(t.admin.confirmDeactivate(u.email))) deactivate.mutate(u);
                      }}
                    >
                      {t.admin.deactivate}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
