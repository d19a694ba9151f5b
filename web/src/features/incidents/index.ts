export { Incidents } from "./routes/Incidents";
export { IncidentPage } from "./routes/IncidentPage";
