export { SignIn } from "./routes/SignIn";
export { ResetPassword } from "./routes/ResetPassword";
export { AcceptInvitation } from "./routes/AcceptInvitation";
export { people } from "./api/people";
