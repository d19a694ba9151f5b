import { tone } from "@/lib/theme";
import { Badge, Group, NativeSelect, Table, Text, TextInput } from "@mantine/core";
import { t } from "@/lib/strings";

/** Who holds an obligation or control: the assessing organisation or the supplier, in which EU AI Act roles. */
export interface HolderLike {
  party: "organisation" | "supplier";
  roles: string[];
}

export type Level = "must" | "should" | "could";

export interface ObligationLike {
  id: string;
  ref?: string | null;
  title?: Record<string, string> | null;
  holder?: HolderLike | null;
  level?: Level | null;
  required_by: string[];
  applies_from: Record<string, string | null | undefined>;
  applies?: Record<string, boolean>;
  deferred_by?: string[] | null;
}

export interface ControlLike {
  id: string;
  ref?: string | null;
  title?: Record<string, string> | null;
  holder?: HolderLike | null;
  level?: Level | null;
  required_by: string[];
}

export type CalendarId = "original" | "omnibus";

/** The role an obligation binds, from its id (`eu-ai-act:deployer.human-oversight` → deployer). */
export function roleOf(id: string): string {
  const m = /^[^:]+:([^.]+)\./.exec(id);
  return m?.[1] ?? "other";
}

export function titleOf(x: { id: string; title?: Record<string, string> | null }): string {
  return x.title?.en ?? Object.values(x.title ?? {})[0] ?? x.id;
}

/** "Your organisation as deployer", "The supplier as provider"; null for results stored before holders were reported. */
export function holderText(holder: HolderLike | null | undefined): string | null {
  if (!holder) return null;
  const party = holder.party === "supplier" ? t.holder.supplier : t.holder.organisation;
  const roles = holder.roles.map((r) => r.replaceAll("_", " "));
  return roles.length > 0 ? `${party} ${t.holder.as} ${roles.join(" / ")}` : party;
}

const LEVEL_COLOR: Record<Level, string> = { must: tone.severe, should: tone.info, could: tone.neutral };

/** Who holds it and how binding it is (must / should / could), as two compact lines. */
export function HolderCell({ x }: { x: { holder?: HolderLike | null; level?: Level | null } }) {
  const who = holderText(x.holder);
  if (!who && !x.level) return <Text size="xs">—</Text>;
  return (
    <div>
      {who && (
        <Text size="xs" fw={500} data-party={x.holder?.party}>
          {who}
        </Text>
      )}
      {x.level && (
        <Badge size="xs" tt="none" color={LEVEL_COLOR[x.level]} variant={x.level === "must" ? "filled" : "outline"} data-level={x.level}>
          {t.holder[x.level]}
        </Badge>
      )}
    </div>
  );
}

export function CalendarPicker({
  calendar,
  asOf,
  onChange,
}: {
  calendar: CalendarId;
  asOf: string;
  onChange: (c: CalendarId, asOf: string) => void;
}) {
  return (
    <Group align="end">
      <NativeSelect
        label={t.system.calendar}
        value={calendar}
        data={[
          { value: "original", label: t.system.calendarOriginal },
          { value: "omnibus", label: t.system.calendarOmnibus },
        ]}
        onChange={(e) => { onChange(e.currentTarget.value as CalendarId, asOf); }}
      />
      <TextInput label={t.system.asOf} type="date" value={asOf} onChange={(e) => { onChange(calendar, e.currentTarget.value); }} />
    </Group>
  );
}

/** Obligations grouped by role, with the date each applies from under the chosen calendar (or both). */
export function ObligationsTable({
  obligations,
  calendar,
  asOf,
  caption,
}: {
  obligations: ObligationLike[];
  calendar?: CalendarId;
  asOf?: string;
  caption?: string;
}) {
  if (obligations.length === 0) return <Text c="dimmed">{t.common.none}</Text>;
  const roles = [...new Set(obligations.map((o) => roleOf(o.id)))].sort();
  const calendars: CalendarId[] = calendar ? [calendar] : ["original", "omnibus"];
  return (
    <Table aria-label={caption ?? t.system.obligations}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t.system.obligations}</Table.Th>
          <Table.Th>{t.holder.heldBy}</Table.Th>
          {calendars.map((c) => (
            <Table.Th key={c}>
              {t.system.appliesFrom} ({c === "original" ? t.system.calendarOriginal : t.system.calendarOmnibus})
            </Table.Th>
          ))}
          <Table.Th>{t.system.why}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      {roles.map((role) => (
        <Table.Tbody key={role}>
          <Table.Tr>
            <Table.Th colSpan={calendars.length + 3} scope="colgroup" tt="capitalize">
              {role}
            </Table.Th>
          </Table.Tr>
          {obligations
            .filter((o) => roleOf(o.id) === role)
            .map((o) => (
              <Table.Tr key={o.id} data-testid={`obligation-${o.id}`}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {titleOf(o)}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {o.ref}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <HolderCell x={o} />
                </Table.Td>
                {calendars.map((c) => {
                  const from = o.applies_from[c] ?? null;
                  const applies = asOf ? from !== null && from <= asOf : o.applies?.[c];
                  return (
                    <Table.Td key={c}>
                      <Group gap={6}>
                        <Text size="sm">{from ?? "—"}</Text>
                        <Badge size="xs" color={applies ? tone.severe : "gray.7"} variant={applies ? "filled" : "outline"}>
                          {applies ? t.system.applies : t.system.notYet}
                        </Badge>
                      </Group>
                    </Table.Td>
                  );
                })}
                <Table.Td>
                  <Text size="xs">{o.required_by.join(", ")}</Text>
                  {o.deferred_by && o.deferred_by.length > 0 && <Text size="xs">deferred by {o.deferred_by.join(", ")}</Text>}
                </Table.Td>
              </Table.Tr>
            ))}
        </Table.Tbody>
      ))}
    </Table>
  );
}

export function ControlsTable({ controls }: { controls: ControlLike[] }) {
  if (controls.length === 0) return <Text c="dimmed">{t.common.none}</Text>;
  return (
    <Table aria-label={t.system.controls}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t.system.controls}</Table.Th>
          <Table.Th>{t.holder.heldBy}</Table.Th>
          <Table.Th>{t.system.why}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {controls.map((c) => (
          <Table.Tr key={c.id}>
            <Table.Td>
              <Text size="sm" fw={500}>
                {titleOf(c)}
              </Text>
              <Text size="xs" c="dimmed">
                {c.ref ?? c.id}
              </Text>
            </Table.Td>
            <Table.Td>
              <HolderCell x={c} />
            </Table.Td>
            <Table.Td>
              <Text size="xs">{c.required_by.join(", ")}</Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
