import { tone } from "@/lib/theme";
import { Anchor, Badge, Button, Group, NativeSelect, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useEffect, useMemo, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { TierBadge } from "@/components/TierBadge";
import type { Schemas } from "@/lib/api/client";
import { can, useMe } from "@/lib/session";
import { t } from "@/lib/strings";
import { useCurrentAssessments, useSystems, type AssessmentSummary, type SystemFilters } from "../api/systems";
import { LIFECYCLE_STAGES, RegisterSystem } from "../components/RegisterSystem";

const TIER_ORDER = ["out_of_scope", "minimal", "transparency", "high_risk", "prohibited"];

/** The standing of a system from its current approved assessments: the highest tier, the earliest due date. */
function standingOf(current: AssessmentSummary[]) {
  const tier = current
    .map((a) => a.tier)
    .filter((x): x is string => !!x)
    .sort((a, b) => TIER_ORDER.indexOf(b) - TIER_ORDER.indexOf(a))[0];
  const due = current.map((a) => a.due_at).filter((x): x is string => !!x).sort()[0];
  return { tier: tier ?? null, due: due ?? null, overdue: current.some((a) => a.overdue) };
}

export function Inventory() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const me = useMe();
  const [q, setQ] = useState(params.get("q") ?? "");
  const [debouncedQ] = useDebouncedValue(q, 300);
  const [registering, setRegistering] = useState(params.get("register") === "1");
  useEffect(() => {
    setParams(
      (p) => {
        if (debouncedQ) p.set("q", debouncedQ);
        else p.delete("q");
        return p;
      },
      { replace: true },
    );
  }, [debouncedQ, setParams]);
  const filters: SystemFilters = {
    q: params.get("q") ?? undefined,
    sourcing: (params.get("sourcing") as Schemas["Sourcing"] | null) ?? undefined,
    business_unit: params.get("business_unit") ?? undefined,
    lifecycle_stage: (params.get("lifecycle_stage") as Schemas["LifecycleStage"] | null) ?? undefined,
  };
  const systems = useSystems(filters);
  const current = useCurrentAssessments();
  const bySystem = useMemo(() => {
    const map = new Map<string, AssessmentSummary[]>();
    for (const a of current.data?.items ?? []) {
      if (!a.system_id) continue;
      map.set(a.system_id, [...(map.get(a.system_id) ?? []), a]);
    }
    return map;
  }, [current.data]);
  const setFilter = (name: string, value: string) => {
    setParams((p) => {
      if (value) p.set(name, value);
      else p.delete(name);
      return p;
    });
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t.systems.title}</Title>
        {can(me.data, "systems:write") && <Button onClick={() => { setRegistering(true); }}>{t.systems.register}</Button>}
      </Group>
      <Group align="end">
        <TextInput label={t.systems.search} placeholder={t.systems.searchPlaceholder} value={q} onChange={(e) => { setQ(e.currentTarget.value); }} type="search" />
        <NativeSelect
          label={t.systems.sourcing}
          value={params.get("sourcing") ?? ""}
          data={[{ value: "", label: "All" }, ...Object.entries(t.systems.sourcingLabels).map(([value, label]) => ({ value, label }))]}
          onChange={(e) => { setFilter("sourcing", e.currentTarget.value); }}
        />
        <NativeSelect
          label={t.systems.lifecycle}
          value={params.get("lifecycle_stage") ?? ""}
          data={[{ value: "", label: "All" }, ...LIFECYCLE_STAGES.map((v) => ({ value: v, label: v.replaceAll("_", " ") }))]}
          onChange={(e) => { setFilter("lifecycle_stage", e.currentTarget.value); }}
        />
        <TextInput label={t.systems.businessUnit} defaultValue={params.get("business_unit") ?? ""} onBlur={(e) => { setFilter("business_unit", e.currentTarget.value); }} />
      </Group>
      <ProblemAlert error={systems.error} />
      {systems.isLoading ? (
        <PageLoader />
      ) : (
        <Table striped highlightOnHover aria-label={t.systems.title}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t.systems.name}</Table.Th>
              <Table.Th>{t.systems.tier}</Table.Th>
              <Table.Th>{t.systems.owner}</Table.Th>
              <Table.Th>{t.systems.businessUnit}</Table.Th>
              <Table.Th>{t.systems.sourcing}</Table.Th>
              <Table.Th>{t.systems.nextDue}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(systems.data?.items ?? []).map((s) => {
              const st = standingOf(bySystem.get(s.id) ?? []);
              return (
                <Table.Tr key={s.id} data-testid={`system-row-${s.name}`}>
                  <Table.Td>
                    <Anchor component={Link} to={`/systems/${s.id}`}>
                      {s.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <TierBadge tier={st.tier} size="sm" />
                  </Table.Td>
                  <Table.Td>{s.owner}</Table.Td>
                  <Table.Td>{s.business_unit ?? "—"}</Table.Td>
                  <Table.Td>{t.systems.sourcingLabels[s.sourcing] ?? s.sourcing}</Table.Td>
                  <Table.Td>
                    <Group gap="xs">
                      <Text size="sm">{st.due ? st.due.slice(0, 10) : "—"}</Text>
                      {st.overdue && (
                        <Badge color={tone.severe} size="sm">
                          {t.systems.overdue}
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {systems.data?.items.length === 0 && <Text>{t.systems.empty}</Text>}
      <RegisterSystem
        opened={registering}
        onClose={() => { setRegistering(false); }}
        onCreated={(s) => {
          setRegistering(false);
          void navigate(`/systems/${s.id}`);
        }}
      />
    </Stack>
  );
}
