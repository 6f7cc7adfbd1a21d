// Every refusal as a sentence a person can act on: custom errors decoded with viem from the ABIs
// in /config.json, wallet rejections (4001), missing funds, the wrong chain.
import {
  BaseError,
  ContractFunctionRevertedError,
  InsufficientFundsError,
  UserRejectedRequestError,
  decodeErrorResult,
  formatEther,
  type Abi,
  type Hex,
} from "viem";
import { config } from "./config";
import { NoWalletError, WrongChainError } from "./wallet";

type Args = readonly unknown[];
const e = (v: unknown) => (typeof v === "bigint" ? formatEther(v) + " ETH" : String(v));
const when = (v: unknown) => new Date(Number(v) * 1000).toLocaleString();

const SENTENCES: Record<string, (a: Args) => string> = {
  ArtCoreWrongPayment: (a) => `This mint costs exactly ${e(a[1])}; ${e(a[2])} was sent.`,
  ArtCoreProjectSoldOut: (a) => `Project ${a[0]} is sold out (all ${a[1]} tokens minted).`,
  ArtCoreProjectPaused: (a) => `Project ${a[0]} is paused: minting is off until it is resumed.`,
  ArtCorePreviewMintDisabled: (a) => `Project ${a[0]} does not allow choosing a seed.`,
  ArtCoreHashAlreadyMinted: (a) => `This seed's image was already minted in project ${a[0]}: pick another seed.`,
  ArtCoreNonexistentProject: (a) => `There is no project ${a[0]}.`,
  ArtCoreUnauthorizedAuthor: (a) => `Only project ${a[0]}'s author can change it; you are ${a[1]}.`,
  ArtCoreProjectLocked: (a) => `Project ${a[0]} already has ${a[1]} minted token(s): its details can no longer change.`,
  ArtCoreInvalidRenderSettings: (a) => `The generator cannot render these settings (steps ${a[0]}, ${a[1]}×${a[2]} px, scheduler “${a[3]}”).`,
  ArtCoreInvalidSteps: (a) => `Steps must be between 1 and ${a[1]}; ${a[0]} were given.`,
  ArtCoreInvalidGuidance: (a) => `Guidance ${Number(a[0]) / 100} is above the ${Number(a[1]) / 100} the generator accepts.`,
  ArtCoreInvalidSide: (a) => `An image side of ${a[0]} px is refused: ${a[1]}–${a[2]} px, a multiple of ${a[3]}.`,
  ArtCoreInvalidScheduler: (a) => `“${a[0]}” is not a scheduler the generator has.`,
  ArtCoreTextTooLong: (a) => `A text of ${a[0]} bytes is too long (at most ${a[1]}).`,
  ArtCoreDetailsJustUpdated: (a) => `Project ${a[0]}'s details changed in block ${a[1]}: mint again in the next block, so you get the image the page showed.`,
  ArtCoreInvalidName: () => "The project needs a name (1–64 characters).",
  ArtCoreInvalidPrompt: () => "The prompt is empty, too long or has no word the generator can use.",
  ArtCoreInvalidModelId: () => "The model id must be a model's sha256 (not zero).",
  ArtCoreInvalidPrice: (a) => `The price ${e(a[0])} is out of range.`,
  ArtCoreInvalidMaxSupply: (a) => `Supply ${a[0]} must be between ${a[1]} and ${a[2]}.`,
  ArtCoreInvalidRoyaltyBps: (a) => `A royalty of ${Number(a[0]) / 100} % is above the ${Number(a[1]) / 100} % cap.`,
  ArtCoreInvalidAddress: (a) => `${a[0]} cannot be used here.`,
  ArtCoreNothingToWithdraw: () => "There is nothing to withdraw.",
  ArtCoreUnauthorizedPlatform: (a) => `${a[0]} is not the platform.`,
  StyleRegistryKeywordTaken: (a) => `The keyword “${a[0]}” already names style #${a[1]}.`,
  StyleRegistryKeywordCooling: (a) => `The keyword “${a[0]}” was freed recently: it can be registered again from ${when(a[1])}.`,
  StyleRegistryWorksWithoutAdapter: () => "A works root or works URI was given without an adapter id: set all three, or clear all three.",
  ArtCoreTooManyAdapters: (a) => `A project pins at most ${a[1]} style adapters; ${a[0]} were picked.`,
  ArtCoreInvalidAdapterId: () => "An adapter id must be an adapter's sha256 (not zero).",
  ArtCoreDuplicateAdapter: (a) => `The adapter ${String(a[0]).slice(0, 10)}… is listed twice.`,
  StyleRegistryTextTooLong: (a) => `A text of ${a[0]} bytes is too long (at most ${a[1]}).`,
  StyleRegistryInvalidKeyword: (a) => `“${a[0]}” is not a keyword: 2–32 of a–z, 0–9 and single “-” between them.`,
  StyleRegistryDuplicateKeyword: (a) => `The keyword “${a[0]}” is listed twice.`,
  StyleRegistryInvalidKeywordCount: (a) => `A style has 1 to ${a[1]} keywords; ${a[0]} were given.`,
  StyleRegistryInvalidName: () => "The style needs a name (1–64 characters).",
  StyleRegistryInvalidPayout: (a) => `${a[0]} cannot receive payouts (the zero address?).`,
  StyleRegistryUnauthorizedAccount: (a) => `Only style #${a[0]}'s owner can change it; you are ${a[1]}.`,
  StyleRegistryOptedOutStyle: (a) => `Style #${a[0]} is opted out.`,
  StyleRegistryNotOptedOut: (a) => `Style #${a[0]} is not opted out.`,
  StyleRegistrySuspendedStyle: (a) => `Style #${a[0]} is suspended by the curator.`,
  StyleRegistryNonexistentStyle: (a) => `There is no style #${a[0]}.`,
  StyleRegistryNoPendingPayout: (a) => `Style #${a[0]} has no payout change waiting.`,
  StyleRegistryPayoutNotReady: (a) => `The payout change of style #${a[0]} can be accepted from ${when(a[1])}.`,
  PayoutDistributorNothingToClaim: (a) => `Nothing to claim for ${a[0]}: ${e(a[2])} of ${e(a[1])} already claimed.`,
  PayoutDistributorInvalidProof: (a) => `The claim for ${a[0]} does not match the posted root (the indexer may be behind): reload and try again.`,
  PayoutDistributorNoClaimableRoot: () => "No epoch is claimable yet (its challenge delay has not passed).",
  PayoutDistributorRootPending: (a) => `Epoch ${a[0]} becomes claimable at ${when(a[1])}.`,
  ERC721NonexistentToken: (a) => `Token ${a[0]} does not exist.`,
};

let errorAbi: Abi | null = null;
function allErrors(): Abi {
  if (!errorAbi) {
    const seen = new Set<string>();
    errorAbi = Object.values(config().contracts)
      .flatMap((c) => c.abi)
      .filter((item) => item.type === "error" && !seen.has(item.name) && (seen.add(item.name), true));
  }
  return errorAbi;
}

export function sentence(name: string, args: Args): string {
  const make = SENTENCES[name];
  return make ? make(args) : `The contract refused: ${name}(${args.map(e).join(", ")}).`;
}

function revertData(error: BaseError): Hex | undefined {
  let data: Hex | undefined;
  error.walk((inner) => {
    const d = (inner as { data?: unknown }).data;
    if (typeof d === "string" && d.startsWith("0x") && d.length >= 10) data = d as Hex;
    else if (d && typeof d === "object" && typeof (d as { data?: unknown }).data === "string") data = (d as { data: Hex }).data;
    return false;
  });
  return data;
}

/** A sentence for any error a send or read can raise. */
export function describe(error: unknown): string {
  if (error instanceof NoWalletError || error instanceof WrongChainError) return error.message;
  const raw = error as { code?: number; message?: string };
  if (raw?.code === 4001) return "You rejected the request in your wallet: nothing was sent.";
  if (error instanceof BaseError) {
    if (error.walk((x) => x instanceof UserRejectedRequestError || (x as { code?: number }).code === 4001))
      return "You rejected the request in your wallet: nothing was sent.";
    const reverted = error.walk((x) => x instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
    if (reverted?.data?.errorName) return sentence(reverted.data.errorName, reverted.data.args ?? []);
    const data = revertData(error);
    if (data) {
      try {
        const decoded = decodeErrorResult({ abi: allErrors(), data });
        return sentence(decoded.errorName, decoded.args ?? []);
      } catch {
        /* not one of ours */
      }
    }
    if (error.walk((x) => x instanceof InsufficientFundsError) || /insufficient funds/i.test(error.message))
      return "Your account does not have enough ETH for this (price plus gas).";
    return error.shortMessage || error.message;
  }
  if (/insufficient funds/i.test(raw?.message ?? "")) return "Your account does not have enough ETH for this (price plus gas).";
  return raw?.message ?? String(error);
}
