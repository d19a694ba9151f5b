import { lazy, Suspense, type ComponentType } from "react";
import { createBrowserRouter, Navigate } from "react-router";
import { PageLoader } from "@/components/PageLoader";
import { RequireSession } from "./RequireSession";

// Each screen is its own chunk: the first screen loads only what it shows.
function page<M extends object>(load: () => Promise<M>, name: keyof M & string) {
  const Component = lazy(async () => ({ default: (await load())[name] as ComponentType }));
  return (
    <Suspense fallback={<PageLoader />}>
      <Component />
    </Suspense>
  );
}

const auth = () => import("@/features/auth");
const systems = () => import("@/features/systems");
const assessments = () => import("@/features/assessments");
const supplierPortal = () => import("@/features/supplier-portal");
const suppliers = () => import("@/features/suppliers");
const admin = () => import("@/features/admin");
const portfolio = () => import("@/features/portfolio");
const organization = () => import("@/features/organization");
const incidents = () => import("@/features/incidents");

export const router = createBrowserRouter([
  { path: "/sign-in", element: page(auth, "SignIn") },
  { path: "/reset-password", element: page(auth, "ResetPassword") },
  { path: "/accept-invitation", element: page(auth, "AcceptInvitation") },
  { path: "/supplier-portal", element: page(supplierPortal, "SupplierPortal") },
  {
    element: <RequireSession />,
    children: [
      { index: true, element: <Navigate to="/systems" replace /> },
      { path: "/systems", element: page(systems, "Inventory") },
      { path: "/systems/:systemId", element: page(systems, "SystemPage") },
      { path: "/assessments/:assessmentId", element: page(assessments, "AssessmentResult") },
      { path: "/assessments/:assessmentId/fill", element: page(assessments, "FillAssessment") },
      { path: "/assessments/:assessmentId/review", element: page(assessments, "ReviewAssessment") },
      { path: "/reviews", element: page(assessments, "ReviewInbox") },
      { path: "/suppliers", element: page(suppliers, "Suppliers") },
      { path: "/suppliers/:supplierId", element: page(suppliers, "SupplierProfile") },
      { path: "/supplier-requests/:requestId", element: page(suppliers, "SupplierRequest") },
      { path: "/incidents", element: page(incidents, "Incidents") },
      { path: "/incidents/:incidentId", element: page(incidents, "IncidentPage") },
      { path: "/admin", element: page(admin, "Admin") },
      { path: "/portfolio", element: page(portfolio, "Portfolio") },
      { path: "/organization", element: page(organization, "Organization") },
      { path: "*", element: <Navigate to="/systems" replace /> },
    ],
  },
]);
