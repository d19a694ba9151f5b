import { Stack, Tabs, Title } from "@mantine/core";
import { useSearchParams } from "react-router";
import { t } from "@/lib/strings";
import { ApiKeys } from "../components/ApiKeys";
import { AuditLog } from "../components/AuditLog";
import { People } from "../components/People";
import { Soa } from "../components/Soa";
import { Webhooks } from "../components/Webhooks";

const TABS = ["people", "keys", "webhooks", "audit", "soa"] as const;

/** Administration: people and roles, API keys, webhooks, the audit log, the Statement of Applicability. */
export function Admin() {
  const [params, setParams] = useSearchParams();
  const tab = TABS.find((x) => x === params.get("tab")) ?? "people";
  return (
    <Stack>
      <Title order={1}>{t.nav.admin}</Title>
      <Tabs value={tab} onChange={(v) => { setParams({ tab: v ?? "people" }); }} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="people">{t.admin.people}</Tabs.Tab>
          <Tabs.Tab value="keys">{t.admin.keys}</Tabs.Tab>
          <Tabs.Tab value="webhooks">{t.admin.webhooks}</Tabs.Tab>
          <Tabs.Tab value="audit">{t.admin.audit}</Tabs.Tab>
          <Tabs.Tab value="soa">{t.admin.soa}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="people" pt="md">
          <People />
        </Tabs.Panel>
        <Tabs.Panel value="keys" pt="md">
          <ApiKeys />
        </Tabs.Panel>
        <Tabs.Panel value="webhooks" pt="md">
          <Webhooks />
        </Tabs.Panel>
        <Tabs.Panel value="audit" pt="md">
          <AuditLog />
        </Tabs.Panel>
        <Tabs.Panel value="soa" pt="md">
          <Soa />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
