import { Anchor, AppShell, Group, NativeSelect, Text, UnstyledButton } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { NavLink, Outlet, useNavigate } from "react-router";
import { apiKey } from "@/lib/api/client";
import { actorName, can, type Me } from "@/lib/session";
import { t } from "@/lib/strings";
import classes from "./Layout.module.css";

export interface LayoutProps {
  me: Me;
  onSignOut: () => Promise<void>;
  onSwitchOrganization: (organizationId: string) => Promise<void>;
}

/** The frame of every signed-in screen: navigation, organisation, who is signed in. */
export function Layout({ me, onSignOut, onSwitchOrganization }: LayoutProps) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <a href="#main" className={classes.skip}>
        {t.nav.skip}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="lg" wrap="nowrap">
            <Text fw={700} component="span">
              {t.appName}
            </Text>
            <nav aria-label="Main">
              <Group gap="md" wrap="nowrap">
                <Anchor component={NavLink} to="/systems" className={classes.link}>
                  {t.nav.inventory}
                </Anchor>
                <Anchor component={NavLink} to="/incidents" className={classes.link}>
                  {t.nav.incidents}
                </Anchor>
                <Anchor component={NavLink} to="/reviews" className={classes.link}>
                  {t.nav.reviews}
                </Anchor>
                <Anchor component={NavLink} to="/portfolio" className={classes.link}>
                  {t.nav.portfolio}
                </Anchor>
                <Anchor component={NavLink} to="/organization" className={classes.link}>
                  {t.nav.readiness}
                </Anchor>
                <Anchor component={NavLink} to="/suppliers" className={classes.link}>
                  {t.nav.suppliers}
                </Anchor>
                {can(me, "admin") && (
                  <Anchor component={NavLink} to="/admin" className={classes.link}>
                    {t.nav.admin}
                  </Anchor>
                )}
              </Group>
            </nav>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {me.organizations.length > 1 ? (
              <NativeSelect
                aria-label={t.auth.switchOrg}
                size="xs"
                value={me.organization.id}
                data={me.organizations.map((o) => ({ value: o.id, label: o.name }))}
                onChange={(e) => {
                  void onSwitchOrganization(e.currentTarget.value).then(() => queryClient.invalidateQueries());
                }}
              />
            ) : (
              <Text size="sm" aria-label={t.nav.organisation}>
                {me.organization.name}
              </Text>
            )}
            <Text size="sm" c="dimmed" data-testid="signed-in-as">
              {actorName(me)}
            </Text>
            <UnstyledButton
              className={classes.link}
              onClick={() => {
                void onSignOut().finally(() => {
                  apiKey.clear();
                  queryClient.clear();
                  void navigate("/sign-in");
                });
              }}
            >
              {t.nav.signOut}
            </UnstyledButton>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main id="main" tabIndex={-1}>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
