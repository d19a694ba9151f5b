import { Badge, Button, Group, Stack, Table, Text } from "@mantine/core";
import { useState } from "react";
import { ProblemAlert } from "@/components/ProblemAlert";
import { tone } from "@/lib/theme";
import { t } from "@/lib/strings";
import { downloadSoaCsv, useSoa } from "../api/admin";

/** The Statement of Applicability (ISO/IEC 42001 6.1.3) and its CSV. */
export function Soa() {
  const soa = useSoa();
  const [error, setError] = useState<unknown>(null);
  const s = soa.data;
  return (
    <Stack>
      <Group justify="space-between">
        <Text size="sm">
          {s ? t.admin.soaSummary(s.standard, s.required_count, s.controls.length, s.assessments_considered) : t.common.loading}
        </Text>
        <Button variant="default" onClick={() => { setError(null); downloadSoaCsv().catch(setError); }}>
          {t.admin.soaCsv}
        </Button>
      </Group>
      <ProblemAlert error={soa.error ?? error} />
      {s && (
        <Table aria-label={t.admin.soa} striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t.admin.control}</Table.Th>
              <Table.Th>{t.admin.applicable}</Table.Th>
              <Table.Th>{t.admin.justification}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {s.controls.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {c.ref} {c.title}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge color={c.required ? tone.ok : tone.neutral} size="sm">
                    {c.required ? t.common.yes : t.common.no}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="xs">{c.justification}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
