export { Admin } from "./routes/Admin";
