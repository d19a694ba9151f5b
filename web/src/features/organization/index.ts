export { Organization } from "./routes/Organization";
