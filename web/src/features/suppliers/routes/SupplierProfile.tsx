import { Anchor, Button, Card, Group, List, MultiSelect, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { ControlsTable, type ControlLike } from "@/components/Obligations";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { TierBadge } from "@/components/TierBadge";
import { api, unwrap } from "@/lib/api/client";
import { can, useMe } from "@/lib/session";
import { t } from "@/lib/strings";
import { useAddContact, useAddProduct, useSupplier, type SupplierProfile as Profile } from "../api/suppliers";
import { SendRequest } from "../components/SendRequest";

function useSystemNames() {
  return useQuery({
    queryKey: ["systems", { names: true }],
    queryFn: async () => unwrap(await api.GET("/v1/ai-systems", { params: { query: { limit: 200 } } })).items,
  });
}

function AddContact({ supplier }: { supplier: Profile }) {
  const add = useAddContact(supplier.id);
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate({ name, email }, { onSuccess: () => { setName(""); setEmail(""); } });
      }}
    >
      <Group align="end" gap="xs">
        <TextInput label={t.suppliers.contactName} value={name} onChange={(e) => { setName(e.currentTarget.value); }} required size="xs" />
        <TextInput label={t.suppliers.contactEmail} type="email" value={email} onChange={(e) => { setEmail(e.currentTarget.value); }} required size="xs" />
        <Button type="submit" size="xs" variant="default" loading={add.isPending}>
          {t.suppliers.addContact}
        </Button>
      </Group>
      <ProblemAlert error={add.error} />
    </form>
  );
}

function AddProduct({ supplier, systems }: { supplier: Profile; systems: { value: string; label: string }[] }) {
  const add = useAddProduct(supplier.id);
  const [name, setName] = useState("");
  const [linked, setLinked] = useState<string[]>([]);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        add.mutate({ name, system_ids: linked }, { onSuccess: () => { setName(""); setLinked([]); } });
      }}
    >
      <Group align="end" gap="xs">
        <TextInput label={t.suppliers.productName} value={name} onChange={(e) => { setName(e.currentTarget.value); }} required size="xs" />
        <MultiSelect label={t.suppliers.linkedSystems} data={systems} value={linked} onChange={setLinked} size="xs" w={280} searchable />
        <Button type="submit" size="xs" variant="default" loading={add.isPending}>
          {t.suppliers.addProduct}
        </Button>
      </Group>
      <ProblemAlert error={add.error} />
    </form>
  );
}

/** A supplier: its tier and what to require by contract, contacts, products and the AI systems built on them, history. */
export function SupplierProfile() {
  const { supplierId = "" } = useParams();
  const me = useMe();
  const supplier = useSupplier(supplierId);
  const systems = useSystemNames();
  const [sending, setSending] = useState(false);
  if (supplier.error) return <ProblemAlert error={supplier.error} />;
  const s = supplier.data;
  if (!s) return <PageLoader />;
  const procurement = can(me.data, "procurement");
  const systemName = new Map((systems.data ?? []).map((x) => [x.id, x.name]));
  return (
    <Stack>
      <Anchor component={Link} to="/suppliers" size="sm">
        ← {t.suppliers.title}
      </Anchor>
      <Group justify="space-between">
        <Group>
          <Title order={1}>{s.name}</Title>
          <span data-testid="supplier-tier" data-tier={s.tier ?? "none"}>
            <TierBadge tier={s.tier} size="lg" />
          </span>
        </Group>
        {procurement && <Button onClick={() => { setSending(true); }}>{t.suppliers.send}</Button>}
      </Group>
      <Text c="dimmed">
        {[s.country, s.website, s.description].filter(Boolean).join(" · ") || " "}
      </Text>
      <Card withBorder>
        <Title order={2} size="h3" mb="xs">
          {t.system.standing}
        </Title>
        {s.standing ? (
          <Stack gap="xs">
            <Text>
              {s.standing.tier_label ?? s.standing.tier} · {s.standing.questionnaire.key} {s.standing.questionnaire.version} · {t.suppliers.acceptedAt}{" "}
              {s.standing.accepted_at?.slice(0, 10) ?? "—"} · {t.suppliers.reviewDue} {s.standing.review_due_at?.slice(0, 10) ?? "—"}
            </Text>
            <Title order={3} size="h4">
              {t.suppliers.contractControls}
            </Title>
            <ControlsTable controls={s.standing.controls as unknown as ControlLike[]} />
          </Stack>
        ) : (
          <Text c="dimmed">{t.suppliers.noStanding}</Text>
        )}
      </Card>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={2} size="h3" mb="xs">
            {t.suppliers.contacts}
          </Title>
          <List size="sm" mb="sm">
            {s.contacts.map((c) => (
              <List.Item key={c.id}>
                {c.name} &lt;{c.email}&gt;{c.role ? ` · ${c.role}` : ""}
              </List.Item>
            ))}
          </List>
          {procurement && <AddContact supplier={s} />}
        </Card>
        <Card withBorder>
          <Title order={2} size="h3" mb="xs">
            {t.suppliers.products}
          </Title>
          <List size="sm" mb="sm">
            {s.products.map((p) => (
              <List.Item key={p.id}>
                <Text size="sm" fw={600} span>
                  {p.name}
                </Text>
                {p.system_ids.length > 0 && (
                  <Text size="sm" span>
                    {" — "}
                    {p.system_ids.map((id, i) => (
                      <span key={id}>
                        {i > 0 && ", "}
                        <Anchor component={Link} to={`/systems/${id}`} size="sm">
                          {systemName.get(id) ?? id}
                        </Anchor>
                      </span>
                    ))}
                  </Text>
                )}
              </List.Item>
            ))}
          </List>
          {procurement && <AddProduct supplier={s} systems={(systems.data ?? []).map((x) => ({ value: x.id, label: x.name }))} />}
        </Card>
      </SimpleGrid>
      <Title order={2} size="h3">
        {t.suppliers.history}
      </Title>
      {s.history.length === 0 && <Text c="dimmed">{t.suppliers.noRequests}</Text>}
      <Table aria-label={t.suppliers.history} display={s.history.length ? undefined : "none"}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t.system.questionnaire}</Table.Th>
            <Table.Th>{t.suppliers.sentAt}</Table.Th>
            <Table.Th>{t.review.submittedAt}</Table.Th>
            <Table.Th>{t.suppliers.decidedAt}</Table.Th>
            <Table.Th>{t.system.status}</Table.Th>
            <Table.Th>{t.systems.tier}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {s.history.map((h) => (
            <Table.Tr key={h.request_id}>
              <Table.Td>
                <Anchor component={Link} to={`/supplier-requests/${h.request_id}`} size="sm">
                  {h.questionnaire.key} {h.questionnaire.version}
                </Anchor>
              </Table.Td>
              <Table.Td>{h.sent_at.slice(0, 10)}</Table.Td>
              <Table.Td>{h.submitted_at?.slice(0, 10) ?? "—"}</Table.Td>
              <Table.Td>{h.decided_at?.slice(0, 10) ?? "—"}</Table.Td>
              <Table.Td>{t.suppliers.statuses[h.status] ?? h.status}</Table.Td>
              <Table.Td>{h.tier ? <TierBadge tier={h.tier} size="sm" /> : "—"}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {sending && <SendRequest supplier={s} opened={sending} onClose={() => { setSending(false); }} />}
    </Stack>
  );
}
