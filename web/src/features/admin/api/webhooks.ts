import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";

export type Webhook = Schemas["WebhookSubscriptionPublic"];
export type WebhookEvent = Schemas["EventType"];
export type WebhookDelivery = Schemas["WebhookDeliveryPublic"];

export const WEBHOOK_EVENTS: WebhookEvent[] = [
  "assessment.submitted",
  "assessment.approved",
  "assessment.changes_requested",
  "ai_system.tier_changed",
  "ai_system.overdue",
  "vendor_request.submitted",
  "vendor_request.decided",
  "vendor_request.overdue",
  "incident.reported",
];

const ifMatch = (w: Webhook) => ({ "If-Match": `"r${String(w.revision)}"` });
const KEY = ["webhooks"];

export function useWebhooks() {
  return useQuery({ queryKey: KEY, queryFn: async () => unwrap(await api.GET("/v1/webhooks", { params: { query: { limit: 200 } } })).items });
}

export function useCreateWebhook() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["WebhookSubscriptionCreate"]) => unwrap(await api.POST("/v1/webhooks", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: KEY }),
  });
}

export function useSetWebhookEnabled() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ hook, enabled }: { hook: Webhook; enabled: boolean }) =>
      unwrap(await api.PATCH("/v1/webhooks/{webhook_id}", { params: { path: { webhook_id: hook.id }, header: ifMatch(hook) }, body: { enabled } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: KEY }),
  });
}

export function useDeleteWebhook() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (hook: Webhook) => {
      unwrap(await api.DELETE("/v1/webhooks/{webhook_id}", { params: { path: { webhook_id: hook.id }, header: ifMatch(hook) } }));
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: KEY }),
  });
}

export function useRotateSecret() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (hook: Webhook) =>
      unwrap(await api.POST("/v1/webhooks/{webhook_id}/rotate-secret", { params: { path: { webhook_id: hook.id }, header: ifMatch(hook) }, body: { overlap_seconds: 86_400 } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: KEY }),
  });
}

export function usePing() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (hook: Webhook) => unwrap(await api.POST("/v1/webhooks/{webhook_id}/ping", { params: { path: { webhook_id: hook.id } } })),
    onSuccess: (_, hook) => queryClient.invalidateQueries({ queryKey: [...KEY, hook.id, "deliveries"] }),
  });
}

export function useDeliveries(hookId: string | null) {
  return useQuery({
    queryKey: [...KEY, hookId, "deliveries"],
    enabled: hookId !== null,
    queryFn: async () =>
      unwrap(await api.GET("/v1/webhooks/{webhook_id}/deliveries", { params: { path: { webhook_id: hookId ?? "" }, query: { limit: 50 } } })).items,
  });
}
