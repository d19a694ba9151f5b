import { Anchor, Stack, Table, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { PageLoader } from "@/components/PageLoader";
import { ProblemAlert } from "@/components/ProblemAlert";
import { TierBadge } from "@/components/TierBadge";
import { t } from "@/lib/strings";
import { useSubmittedAssessments } from "../api/assessments";

export function ReviewInbox() {
  const inbox = useSubmittedAssessments();
  if (inbox.isLoading) return <PageLoader />;
  const items = inbox.data?.items ?? [];
  return (
    <Stack>
      <Title order={1}>{t.review.inbox}</Title>
      <ProblemAlert error={inbox.error} />
      {items.length === 0 ? (
        <Text>{t.review.empty}</Text>
      ) : (
        <Table aria-label={t.review.inbox}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t.system.questionnaire}</Table.Th>
              <Table.Th>{t.systems.tier}</Table.Th>
              <Table.Th>{t.review.round}</Table.Th>
              <Table.Th>{t.review.submittedAt}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>{a.questionnaire.key}</Table.Td>
                <Table.Td>
                  <TierBadge tier={a.tier} size="sm" />
                </Table.Td>
                <Table.Td>{a.round}</Table.Td>
                <Table.Td>{a.updated_at.slice(0, 16).replace("T", " ")}</Table.Td>
                <Table.Td>
                  <Anchor component={Link} to={`/assessments/${a.id}/review`}>
                    {t.review.review}
                    <span className="visually-hidden"> {a.questionnaire.key} {a.id.slice(0, 8)}</span>
                  </Anchor>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
