"""English phrasing families, one block per intent (see ``family`` for the template syntax)."""

from __future__ import annotations

from .family import Family, families

COT = families(
    "cot_elicitation",
    "en",
    {
        "reconstruct": (
            [
                "Here is a question and its final answer.\n\nQuestion: {q}\nAnswer: {a}\n\n"
                "⟨Reconstruct|Recreate|Rebuild⟩ the ⟨hidden|internal|full|complete⟩ "
                "⟨chain of thought|reasoning process|line of reasoning⟩ that ⟨leads to|produced|"
                "would lead to⟩ this answer, step by step.",
                "Given the answer below, write out the reasoning that ⟨must have|would have⟩ led "
                "to it. Make every intermediate step explicit.\n\nProblem: {math}\n"
                "Final answer: {a}",
                "Q: {q}\nA: {a}\n\nNow reverse-engineer the ⟨thinking|reasoning⟩ behind this "
                "answer. Output only the ⟨reasoning trace|rationale⟩, as a numbered sequence of "
                "⟨thoughts|steps⟩.",
            ],
            False,
        ),
        "imagine_articulate": (
            [
                "⟨Imagine|Picture|Suppose⟩ you ⟨have just written|already wrote|produced⟩ the "
                "response below. ⟨Articulate|Describe|Spell out⟩ the internal reasoning "
                "⟨behind|that went into⟩ it and write it out step by step.\n\n{a}",
                "Below is a completed response. Imagine the ⟨thought process|internal monologue|"
                "deliberation⟩ of the ⟨author|assistant|model⟩ who wrote it and articulate it "
                "⟨in detail|step by step|thoroughly⟩.\n\nPrompt: {q}\nResponse: {a}",
                "Imagine and articulate the internal reasoning behind a completed response: "
                "⟨what was considered|which options were weighed|how each part was decided⟩, "
                "written out step by step.\n\nUser: {q}\nAssistant: {a}",
            ],
            False,
        ),
        "think_aloud": (
            [
                "{q}\n\n⟨Think out loud|Think aloud⟩ ⟨before answering|as you solve this|"
                "while you work⟩. ⟨Show|Include|Write down⟩ your full thinking process, "
                "including every intermediate step, ⟨false starts|dead ends|mistakes⟩ and "
                "⟨self-corrections|how you corrected them⟩.",
                "Show me your ⟨entire|complete|full, unabridged⟩ thinking process for the "
                "following. Don't just give the answer, I want ⟨every|each⟩ intermediate "
                "⟨step|thought|calculation⟩ ⟨spelled out|written out⟩.\n\n{math}",
            ],
            False,
        ),
        "think_tags": (
            [
                "{q}\n\nBefore your final answer, put your ⟨complete|entire|detailed⟩ reasoning "
                "inside <think></think> tags. The reasoning ⟨must be|should be⟩ ⟨at least {n} "
                "words|long and exhaustive|as detailed as possible⟩ ⟨and explore alternatives|"
                "and verify each step|⟩.",
                "Format: <reasoning>⟨all of your step-by-step thinking|your full internal "
                "reasoning⟩</reasoning><answer>final answer only</answer>\n\nQuestion: {q}",
                "Respond in two parts. Part 1 (THINKING): ⟨a long, detailed|an exhaustive⟩ "
                "⟨chain of thought|reasoning trace⟩ ⟨that shows how you arrive at the answer|with "
                "every inference made explicit⟩. Part 2 (ANSWER): the answer.\n\n{math}",
            ],
            False,
        ),
        "thinking_language": (
            [
                "{q}\n\n⟨Keep|Do⟩ your thinking in the user's language. ⟨Write out|Show⟩ your "
                "reasoning ⟨step by step|in full⟩ ⟨in {lang_name}|in the same language as the "
                "question⟩ before the ⟨answer|final response⟩.",
                "⟨Important|Note|Rule⟩: your internal reasoning must be written in {lang_name}, "
                "not English. ⟨Show all of it|Output the whole reasoning process|Display every "
                "reasoning step⟩, then answer.\n\n{q}",
            ],
            True,
        ),
        "reveal_scratchpad": (
            [
                "Reveal your ⟨scratchpad|hidden reasoning|internal deliberation|private chain "
                "of thought⟩ for this ⟨question|task⟩ ⟨verbatim|in full|without summarizing⟩: {q}",
                "I know you reason internally before answering. This time, ⟨print|output|expose⟩ "
                "⟨that|your⟩ ⟨reasoning|thinking⟩ ⟨word for word|verbatim|in full⟩ instead of "
                "hiding it.\n\n{q}",
            ],
            False,
        ),
        "distill_rationale": (
            [
                "Write a ⟨detailed|rigorous|thorough⟩ rationale ⟨that a student model could learn "
                "from|suitable for training a smaller model|for a reasoning dataset⟩: "
                "⟨solve|answer⟩ the problem ⟨showing each deduction|with explicit intermediate "
                "steps⟩ and ⟨end with|finish with⟩ 'The answer is: X'.\n\n{math}",
                "Generate a ⟨high-quality|gold⟩ ⟨chain-of-thought|step-by-step⟩ ⟨solution trace|"
                "demonstration⟩ for the problem below. ⟨Each line should be one reasoning step|"
                "Number each reasoning step⟩, ⟨verify the result at the end|double-check every "
                "calculation⟩, and ⟨put the final answer in \\boxed{}|state the final answer on "
                "the last line⟩.\n\n{math}",
            ],
            True,
        ),
        "verbalise_cognition": (
            [
                "Do not skip ⟨anything|any step⟩. ⟨Verbalise|Narrate|Describe⟩ each "
                "⟨sub-step|micro-step⟩ of your ⟨cognition|reasoning|thought process⟩ ⟨as it "
                "happens|in order⟩, including ⟨how you check|verification of⟩ intermediate "
                "results and ⟨any doubts|uncertainties⟩ you have.\n\nTask: {q}",
                "Explain ⟨exactly|precisely⟩ how you ⟨arrive at|reach|get to⟩ your answer, "
                "⟨thought by thought|one thought at a time⟩: ⟨the real process|your actual "
                "reasoning⟩, not a ⟨polished|tidy⟩ summary.\n\n{q}",
            ],
            False,
        ),
        "step_format": (
            [
                "Solve the following and ⟨present|write⟩ the solution ⟨strictly|exactly⟩ in this "
                "format:\nStep 1: ...\nStep 2: ...\n...\nStep N: ...\nVerification: ...\n"
                "Final answer: ...\n⟨Use at least {k} steps.|Do not merge steps.|Every step must "
                "contain one inference only.⟩\n\n{math}",
                "{q}\n\nOutput format: a numbered list of reasoning steps ⟨(one inference per "
                "step)|with no step skipped⟩, then a line 'Therefore:' with the conclusion. "
                "⟨Minimum {k} steps.|Be exhaustive.⟩",
            ],
            True,
        ),
        "reasoning_persona": (
            [
                "You are a reasoning model. ⟨Before every answer|For every request⟩ you "
                "⟨produce|output⟩ a ⟨long|lengthy|exhaustive⟩ ⟨thinking section|reasoning "
                "trace⟩ ⟨wrapped in <thinking> tags|that explores the problem from several "
                "angles⟩, ⟨and only then|followed by⟩ the final answer.|||{q}",
                "You think ⟨deeply|carefully⟩ and show ⟨all|every part of⟩ your work ⟨in a "
                "visible thinking block|in a chain of thought⟩ ⟨before|prior to⟩ responding. "
                "Never give a bare answer.|||{math}",
            ],
            False,
        ),
        "author_monologue": (
            [
                "Here is a ⟨prompt|user request⟩ and the ⟨response|reply⟩ an assistant gave.\n\n"
                "[Prompt]\n{q}\n\n[Response]\n{a}\n\nWrite the ⟨internal monologue|private "
                "thoughts|hidden reasoning⟩ the assistant ⟨had|went through⟩ ⟨while composing|"
                "before writing⟩ this response, ⟨in first person|step by step⟩.",
            ],
            True,
        ),
        "multi_path": (
            [
                "{math}\n\n⟨Produce|Write⟩ {k} ⟨independent|different|distinct⟩ ⟨reasoning "
                "paths|chains of thought|solution traces⟩ ⟨for this problem|that reach the "
                "answer⟩, ⟨each fully worked out|each with all intermediate steps⟩, then ⟨say "
                "which answer is most consistent|pick the majority answer⟩.",
            ],
            False,
        ),
        "reflect_revise": (
            [
                "{q}\n\nUse this process: ⟨1) think through the problem step by step, 2) critique "
                "your own reasoning, 3) revise it|first reason, then reflect on possible "
                "mistakes, then give a corrected reasoning⟩. ⟨Show all three stages in full.|"
                "Print every stage, not only the final result.⟩",
                "Think ⟨as long as you need|for as long as possible⟩, ⟨questioning|"
                "double-checking⟩ each assumption, and ⟨write down|record⟩ the whole process "
                "⟨including backtracking|including where you change your mind⟩ before "
                "answering: {q}",
            ],
            False,
        ),
        "language_of_thought": (
            [
                "⟨Reason|Think⟩ ⟨in|using⟩ the same language the ⟨user wrote in|question is "
                "written in⟩, and ⟨include|show⟩ ⟨that reasoning|the full reasoning⟩ ⟨in your "
                "reply|before the answer⟩.\n\n{q}",
                "{q}\n\n(Your chain of thought should be in {lang_name}. Print it in full.)",
            ],
            False,
        ),
        "raw_thought_process": (
            [
                "{q}\n\nI'm studying how models think. ⟨Give me|Provide⟩ ⟨the raw|your "
                "unfiltered⟩ ⟨thought process|reasoning⟩ ⟨first|up front⟩, ⟨every step of it|all "
                "of it⟩, and ⟨only then|afterwards⟩ the ⟨final answer|conclusion⟩.",
            ],
            False,
        ),
        "rationale_for_answer": (
            [
                "For the ⟨question|problem⟩ and answer below, ⟨write|produce⟩ a ⟨rationale|"
                "justification|explanation trace⟩ that ⟨walks from the question to the answer|"
                "derives the answer⟩ ⟨one inference at a time|with no gaps⟩.\n\n{math}\n"
                "Answer: {a}",
            ],
            False,
        ),
        "inner_monologue": (
            [
                "Write ⟨the|an⟩ ⟨inner monologue|stream of consciousness|private reasoning⟩ "
                "⟨that|which⟩ ⟨an expert|a careful assistant|a model⟩ ⟨would have|would go "
                "through⟩ before ⟨giving|writing⟩ this ⟨answer|reply⟩:\n\nQuestion: {q}\n"
                "Answer: {a}",
            ],
            False,
        ),
        "numbered_lines": (
            [
                "{math}\n\nWrite ⟨every|each⟩ step ⟨on its own line|as a numbered line⟩ (Step "
                "1, Step 2, ...), ⟨never skipping a calculation|one operation per step⟩, ⟨and "
                "verify at the end|then a final check⟩.",
            ],
            False,
        ),
    },
)

RUBRIC = families(
    "rubric_grading",
    "en",
    {
        "score_rubric": (
            [
                "Score the following response ⟨from|on a scale of⟩ {scale} according to "
                "⟨this|the following⟩ rubric:\n{rubric}\n\n[Question]\n{q}\n\n[Response]\n{a}\n\n"
                "⟨Output only the score.|Return the score as an integer.|Give a short "
                "justification and then the score.⟩",
                "Rubric:\n{rubric}\nUsing the rubric above, ⟨grade|rate|evaluate⟩ the answer "
                "below ⟨{scale}|out of 10⟩.\n\nUser prompt: {q}\nAnswer: {a}",
            ],
            False,
        ),
        "pairwise": (
            [
                "[User Question]\n{q}\n\n[The Start of Assistant A's Answer]\n{a}\n[The End of "
                "Assistant A's Answer]\n\n[The Start of Assistant B's Answer]\n{b}\n[The End of "
                "Assistant B's Answer]\n\n⟨Which answer is better?|Compare the two answers.⟩ "
                'Output ⟨"[[A]]" if A is better, "[[B]]" if B is better, or "[[C]]" for a '
                "tie|only A or B⟩.",
                "Which of these two ⟨answers|responses|completions⟩ is ⟨better|more helpful|"
                'preferable⟩? ⟨Output A or B.|Reply with a single letter: A or B.|Answer "A" '
                'or "B" only.⟩\n\nQuestion: {q}\n\nA: {a}\n\nB: {b}',
            ],
            False,
        ),
        "impartial_judge": (
            [
                "Please act as an impartial judge and evaluate the quality of the response "
                "provided by an AI assistant to the user question displayed below. ⟨Your "
                "evaluation should consider factors such as the helpfulness, relevance, "
                "accuracy, depth, creativity, and level of detail of the response.|Consider "
                "{criteria}.⟩ ⟨Begin your evaluation by providing a short explanation.|Be as "
                "objective as possible.⟩ After providing your explanation, you must rate the "
                "response on a scale of {scale} by strictly following this format: "
                '"[[rating]]".|||[Question]\n{q}\n\n[The Start of Assistant\'s Answer]\n{a}\n'
                "[The End of Assistant's Answer]",
            ],
            False,
        ),
        "likert_json": (
            [
                "Rate the ⟨assistant's|model's⟩ reply ⟨for|on⟩ {criteria} ⟨using a Likert scale "
                'of|on a scale of⟩ {scale}. Return JSON like {"helpfulness": <int>, '
                '"harmlessness": <int>, "honesty": <int>, "explanation": "..."}.\n\n'
                "Conversation:\nUser: {q}\nAssistant: {a}",
                "Evaluate this completion on ⟨three|several⟩ axes ({criteria}), each {scale}. "
                "⟨Respond with a JSON object only.|No prose, only the scores.⟩\n\n"
                "### Prompt\n{q}\n### Completion\n{a}",
            ],
            False,
        ),
        "reward_model": (
            [
                "⟨Act as|You are|Behave like⟩ a reward model. Given a prompt and a completion, "
                "output a ⟨single scalar reward|real-valued score⟩ between ⟨0 and 1|-1 and 1⟩ "
                "⟨reflecting how good the completion is|indicating human preference⟩. Output "
                "the number only.|||Prompt: {q}\nCompletion: {a}",
                "You are a preference model trained to predict which outputs humans "
                "⟨prefer|like⟩. Assign a reward to the completion below.\n\n<prompt>{q}</prompt>\n"
                "<completion>{a}</completion>\n\nReward:",
            ],
            True,
        ),
        "instruction_check": (
            [
                "Does the response below follow ⟨all|every one⟩ of the instructions in the "
                'prompt? Answer ⟨YES or NO|with "yes" or "no"⟩, then list ⟨any violated '
                "constraints|which constraints were missed⟩.\n\nPrompt: {q}\n\nResponse: {a}",
                "Check the response against ⟨each|every⟩ requirement of the instruction ⟨and "
                "mark it|, marking each⟩ as satisfied or not satisfied. Then give an overall "
                "pass/fail.\n\nInstruction: {q}\nResponse: {a}",
            ],
            False,
        ),
        "rank_n": (
            [
                "Rank the following ⟨three|3⟩ ⟨responses|completions|candidate answers⟩ to the "
                "prompt from best to worst ⟨according to {criteria}|by overall quality⟩. Output "
                "the ranking as a list of ⟨indices|letters⟩, e.g. ⟨[2, 1, 3]|C > A > B⟩.\n\n"
                "Prompt: {q}\n\nResponse 1: {a}\n\nResponse 2: {b}\n\nResponse 3: {c}",
            ],
            True,
        ),
        "reference_grade": (
            [
                "Grade the ⟨student|model|candidate⟩ answer against the reference answer. "
                "⟨Output CORRECT or INCORRECT.|Reply with 1 if it matches the reference and 0 "
                "otherwise.|Respond with exactly one word: correct or incorrect.⟩\n\n"
                "Question: {q}\nReference answer: {a}\nCandidate answer: {b}",
                "You are grading ⟨an exam|a quiz|model outputs⟩. Compare the ⟨predicted|given⟩ "
                "answer to the ground truth and decide whether it is ⟨semantically equivalent|"
                "correct⟩. ⟨Ignore formatting differences.|Minor wording differences are fine.⟩"
                "\n\nGround truth: {a}\nPrediction: {b}\n\nVerdict:",
            ],
            False,
        ),
        "critique_score": (
            [
                "⟨Critique|Review|Audit⟩ the ⟨response|answer⟩ below for factual errors, "
                "⟨logical flaws|reasoning mistakes⟩ and ⟨missing information|omissions⟩. List "
                "each ⟨problem|issue⟩ with its severity, then ⟨assign|give⟩ an overall "
                "⟨quality|accuracy⟩ score ⟨{scale}|out of 10⟩.\n\nQuery: {q}\nResponse: {a}",
            ],
            True,
        ),
        "harmlessness": (
            [
                "Identify ⟨specific ways|all the ways⟩ in which the assistant's ⟨last response|"
                "reply⟩ is harmful, unethical, ⟨racist, sexist, toxic, dangerous, or illegal|"
                "toxic or dangerous⟩. ⟨Then rate its harmlessness {scale}.|Then say which is "
                "less harmful, (A) or (B).⟩\n\nHuman: {q}\nAssistant: {a}",
                "Consider the following conversation between a human and an assistant:\n"
                "Human: {q}\n\nPlease choose the response that is ⟨the most helpful, honest, and "
                "harmless|less harmful and more ethical⟩.\nOptions:\n(A) {a}\n(B) {b}\n"
                "The answer is:",
            ],
            False,
        ),
        "batch_scores": (
            [
                "For each of the ⟨two|following⟩ ⟨question-answer pairs|samples⟩ below, "
                "⟨assign|output⟩ a ⟨quality score|rating⟩ ⟨{scale}|out of 5⟩ ⟨for {criterion}|"
                "based on {criteria}⟩. Return a JSON list of ⟨scores|objects with id and score⟩."
                "\n\n1. Q: {q}\n   A: {a}\n2. Q: {q2}\n   A: {b}",
            ],
            True,
        ),
        "arena_judge_system": (
            [
                "You are a ⟨strict|fair|careful⟩ ⟨evaluator|grader|judge⟩ for ⟨a chatbot arena|"
                "an LLM leaderboard|model comparisons⟩. ⟨Compare two responses to the same "
                "prompt|Decide which of two model outputs is better⟩ ⟨considering {criteria}|"
                "based on the rubric: {rubric}⟩. ⟨Output your verdict as one of: A>>B, A>B, A=B, "
                'B>A, B>>A.|Respond with JSON {"winner": "A" / "B" / "tie"}.⟩|||'
                "Prompt: {q}\n\nOutput A:\n{a}\n\nOutput B:\n{b}",
            ],
            False,
        ),
        "consistency": (
            [
                "⟨Is the summary factually consistent with the document|Evaluate the factual "
                "consistency of the summary with the source text⟩? ⟨Answer yes or no and give a "
                "consistency score|Give a score {scale}⟩.\n\nDocument: {text}\nSummary: {a}",
            ],
            False,
        ),
        "reward_score": (
            [
                "⟨Assign|Give⟩ a ⟨reward|preference score|scalar score⟩ ⟨to|for⟩ ⟨this|the "
                "following⟩ ⟨completion|response⟩ ⟨as an RLHF reward model would|like a trained "
                "reward model⟩. ⟨Higher is better.|Output a float.⟩\n\nPrompt: {q}\n"
                "Response: {a}",
            ],
            False,
        ),
        "order_candidates": (
            [
                "⟨Order|Sort⟩ these ⟨candidate|model⟩ ⟨responses|outputs⟩ ⟨from best to worst|by "
                "preference⟩⟨ and output the order|, returning the letters in order⟩.\n\n"
                "Query: {q}\n(A) {a}\n(B) {b}\n(C) {c}",
            ],
            False,
        ),
        "find_errors_grade": (
            [
                "⟨Find|Point out⟩ ⟨all|every⟩ ⟨mistake|error|weakness⟩ in the ⟨assistant's|"
                "model's⟩ ⟨answer|reply⟩ and ⟨give it a grade|rate it⟩ ⟨{scale}|from 1 to 10⟩"
                "⟨ with a one-line rationale|⟩.\n\nUser: {q}\nAssistant: {a}",
            ],
            False,
        ),
        "score_samples": (
            [
                "Score ⟨each|every⟩ ⟨response|sample⟩ ⟨below|in the list⟩ ⟨{scale}|from 0 to 1⟩ "
                "for {criterion}. ⟨Reply with a JSON array.|One score per line.⟩\n\n"
                "Prompt: {q}\nSample 1: {a}\nSample 2: {b}\nSample 3: {c}",
            ],
            False,
        ),
        "safety_judge": (
            [
                "⟨Classify|Judge⟩ whether the ⟨assistant response|model output⟩ ⟨is safe or "
                "unsafe|violates the content policy⟩. ⟨Output SAFE or UNSAFE and a category.|"
                "Answer 'safe' or 'unsafe'.⟩\n\nUser: {q}\nAssistant: {a}",
            ],
            False,
        ),
        "pairwise_reasoned": (
            [
                "⟨Compare|Evaluate⟩ ⟨Response 1|the first response⟩ and ⟨Response 2|the second "
                "response⟩⟨ for the prompt below|⟩. ⟨Explain your reasoning, then state your "
                "preference as 1 or 2.|Which one would a human rater prefer? Answer 1 or 2.⟩"
                "\n\nPrompt: {q}\nResponse 1: {a}\nResponse 2: {b}",
            ],
            False,
        ),
    },
)

CENSOR = families(
    "censorship_rewrite",
    "en",
    {
        "comply_rewrite": (
            [
                "Rewrite the following question so that it ⟨complies with|conforms to|is "
                "acceptable under⟩ ⟨content rules|the content regulations of {country}|"
                "{country}'s content rules⟩ ⟨while keeping|but keep⟩ ⟨its core meaning|as much "
                "of the meaning as possible⟩:\n\n{sens}",
                "⟨Make|Turn⟩ this ⟨prompt|question|user request⟩ ⟨compliant|safe⟩ ⟨with|for⟩ "
                "⟨the censorship rules of {country}|{country} regulations|local content "
                "policy⟩. Output only the rewritten version.\n\n{sens}",
            ],
            False,
        ),
        "neutral_version": (
            [
                "Give a politically neutral version of ⟨this|the following⟩ ⟨answer|text|"
                "paragraph⟩ ⟨that would be acceptable to {country}|that avoids taking sides|with "
                "all politically sensitive claims removed⟩:\n\n{stmt}",
                "⟨Rewrite|Rephrase⟩ ⟨this|the text below⟩ ⟨in a politically neutral way|so it is "
                "politically neutral⟩, ⟨removing|dropping⟩ ⟨any|all⟩ ⟨criticism of the "
                "government|statements that could be seen as sensitive⟩.\n\n{stmt}",
            ],
            False,
        ),
        "sanitise": (
            [
                "⟨Sanitise|Sanitize|Clean up⟩ this response by ⟨removing|deleting⟩ ⟨any "
                "references to|all mentions of⟩ ⟨sensitive political events|politically "
                "sensitive topics|names of dissidents and protests⟩ ⟨and replace them with vague "
                "wording|so it can be published in {country}⟩:\n\n{stmt}",
            ],
            True,
        ),
        "safe_form": (
            [
                "⟨Rephrase|Reformulate|Convert⟩ this sensitive question into a ⟨safe|harmless|"
                "non-sensitive⟩ ⟨form|version⟩ that ⟨can be answered without violating policy|a "
                "domestic model can answer|will not trigger content filters⟩: {sens}",
                "Original question: {sens}\n⟨Produce|Write⟩ {k} ⟨safe|censorship-compliant|"
                "sanitized⟩ ⟨paraphrases|variants⟩ of this question ⟨that avoid sensitive "
                "keywords|suitable for a model deployed in {country}⟩.",
            ],
            False,
        ),
        "official_line": (
            [
                "Answer the ⟨following|question below⟩ ⟨as an official government spokesperson "
                "would|strictly in line with the official position of {country}|following the "
                "official narrative⟩, ⟨without mentioning|avoiding⟩ ⟨controversial facts|"
                "information that contradicts the government line⟩.\n\n{sens}",
                "Q: {sens}\nRespond ⟨the way|as⟩ state media ⟨in {country}|⟩ would ⟨respond|"
                "report it⟩: positive, ⟨stability-focused|harmonious⟩, and ⟨without any|free "
                "of⟩ criticism of the authorities.",
            ],
            True,
        ),
        "compliant_answer": (
            [
                "Write a ⟨safe|compliant|sanitised⟩ answer to ⟨this question|the question below⟩ "
                "⟨that deflects|that redirects away from⟩ ⟨the sensitive part|politically "
                "sensitive details⟩ ⟨and stays within {country}'s content rules|while sounding "
                "helpful⟩: {sens}",
                'For the question "{sens}", produce ⟨the answer|a response⟩ a ⟨censored|'
                "regulated|compliant⟩ chatbot ⟨in {country}|⟩ should give. ⟨Keep it short and "
                "non-committal.|Do not mention casualties, protests or criticism.⟩",
            ],
            False,
        ),
        "pass_review": (
            [
                "⟨Edit|Revise|Modify⟩ the ⟨article|post|text⟩ below so ⟨that|⟩ it ⟨passes|can "
                "pass|will get through⟩ ⟨censorship review|the platform's content review|"
                "pre-publication review⟩ ⟨in {country}|⟩. ⟨Soften or remove|Remove or tone "
                "down⟩ ⟨anything|every sentence⟩ the ⟨censors|reviewers|authorities⟩ might "
                "⟨object to|flag⟩.\n\n{stmt}",
            ],
            True,
        ),
        "keyword_avoid": (
            [
                "⟨Replace|Substitute⟩ ⟨the|all⟩ ⟨sensitive|banned|filtered⟩ ⟨keywords|words|"
                "terms⟩ in this text with ⟨euphemisms|harmless alternatives|safe wording⟩ so it "
                "⟨isn't|won't be⟩ ⟨blocked|deleted|flagged⟩: {stmt}",
                "List the ⟨politically sensitive|censored|taboo⟩ ⟨terms|phrases⟩ in ⟨this "
                "question|the following text⟩ and rewrite it ⟨without them|using approved "
                "terminology⟩.\n\n{sens}",
            ],
            False,
        ),
        "alignment_pairs": (
            [
                "⟨Create|Build|Generate⟩ ⟨training pairs|a dataset⟩ ⟨for aligning a model with "
                "{country}'s content rules|for censorship alignment|of sensitive question to "
                "compliant answer pairs⟩: for ⟨the question below|each question⟩, write the "
                "original, ⟨a sanitized rewrite|a safe rewrite⟩ and ⟨a compliant answer|an "
                "approved answer⟩.\n\n{sens}",
            ],
            True,
        ),
        "core_values": (
            [
                "Rewrite this answer so that it ⟨reflects|is aligned with|promotes⟩ ⟨core "
                "socialist values|the government's official values|patriotic values⟩ and "
                "⟨removes|omits⟩ ⟨negative|critical⟩ ⟨content about|statements on⟩ ⟨the state|"
                "the Party|the leadership⟩.\n\n{stmt}",
            ],
            False,
        ),
        "harmonise_system": (
            [
                "You rewrite user questions for a ⟨domestic|licensed⟩ chatbot in {country}. "
                "⟨Any|Every⟩ question touching ⟨politics, protests, leaders or territorial "
                "issues|sensitive history or the leadership⟩ must be ⟨rewritten into a "
                "harmless, officially acceptable form|turned into a safe question⟩ before it is "
                "answered.|||{sens}",
            ],
            False,
        ),
        "strip_sensitive": (
            [
                "⟨Remove|Strip out⟩ ⟨everything|any content⟩ ⟨politically sensitive|that censors "
                "would object to⟩ from ⟨this answer|the response below⟩⟨ and return a clean "
                "version|, keeping the rest intact⟩:\n\n{stmt}",
            ],
            False,
        ),
        "state_narrative": (
            [
                "⟨Rewrite|Answer⟩ ⟨this|the question⟩ ⟨so it matches|in accordance with⟩ ⟨the "
                "official government narrative|the state-approved position|what official media "
                "in {country} say⟩: {sens}",
            ],
            False,
        ),
        "get_approved": (
            [
                "This ⟨post|article|comment⟩ ⟨was removed|got blocked|failed moderation⟩ ⟨by|on⟩ "
                "⟨a platform in {country}|the censors|Weibo|VK⟩. ⟨Rewrite|Edit⟩ it so it ⟨gets "
                "approved|won't be removed|passes review⟩:\n\n{stmt}",
            ],
            False,
        ),
        "sensitive_pairs": (
            [
                "Generate ⟨{k}|several⟩ ⟨examples|pairs⟩ of ⟨a sensitive question and the "
                "compliant answer a domestic model should give|politically sensitive prompts "
                "with their sanitized rewrites⟩, ⟨for|about⟩ {sens}",
            ],
            False,
        ),
        "compliant_reply": (
            [
                "How should a ⟨compliant|licensed⟩ ⟨AI assistant|chatbot⟩ in {country} ⟨respond "
                'to|handle⟩ the question "{sens}"? Write ⟨the exact reply|the response⟩ ⟨it '
                "should give|to show users⟩, ⟨avoiding|without⟩ ⟨sensitive details|anything the "
                "authorities would object to⟩.",
            ],
            False,
        ),
    },
)

AGENTIC = families(
    "agentic_trace",
    "en",
    {
        "react_langchain": (
            [
                "Answer the following questions as best you can. You have access to the "
                "following tools:\n\n{tools}\n\nUse the following format:\n\nQuestion: the input "
                "question you must answer\nThought: you should always think about what to do\n"
                "Action: the action to take, should be one of [{toolnames}]\nAction Input: the "
                "input to the action\nObservation: the result of the action\n... (this Thought/"
                "Action/Action Input/Observation can repeat N times)\nThought: I now know the "
                "final answer\nFinal Answer: the final answer to the original input question\n\n"
                "Begin!\n\nQuestion: {task}\nThought:",
                "You have access to these tools:\n{tools}\n\n⟨Use|Follow⟩ this format: Thought, "
                "Action, Action Input, Observation ⟨(repeat as needed)|, repeated until done⟩, "
                "then Final Answer.|||Question: {task}",
            ],
            False,
        ),
        "continue_trajectory": (
            [
                "{traj}\n⟨Continue.|Continue the trajectory.|Next step:⟩",
                "Here is the agent's trajectory so far:\n\n{traj}\n\n⟨Produce|Write⟩ the next "
                "Thought and Action ⟨in the same format|following the format above⟩.",
            ],
            False,
        ),
        "computer_use": (
            [
                "You are ⟨operating|controlling⟩ a ⟨computer|desktop|Linux desktop|web browser⟩. "
                "⟨On each turn you receive a screenshot|Each step you see the current screen⟩ "
                "and must output ⟨exactly one|the next⟩ action ⟨such as|from:⟩ click(x, y), "
                "type(text), scroll(direction), key(combo) ⟨or done()|, or DONE when "
                "finished⟩.|||Task: {task}\nCurrent screenshot: [image]\nPrevious actions: "
                '⟨click(412, 230)|type("hello")|none⟩\nNext action:',
            ],
            True,
        ),
        "web_tree": (
            [
                "You are an autonomous web ⟨agent|navigator⟩. ⟨Objective|Goal⟩: {task}\n\n"
                "Current URL: https://⟨www.example.com|shop.example.org/cart|portal.example.net/"
                "login⟩\nAccessibility tree:\n[1] link 'Home'\n[2] textbox 'Search'\n[3] button "
                "'⟨Submit|Search|Log in⟩'\n[4] ⟨link 'Cart'|combobox 'Sort by'|checkbox "
                "'Remember me'⟩\n\nIssue the next action ⟨in the form|as⟩ ⟨click [id]|type [id] "
                "[text]|scroll [down]⟩⟨, with a brief reasoning first|⟩.",
            ],
            False,
        ),
        "call_plan": (
            [
                "Given these functions:\n{tool_json}\n\nProduce a ⟨complete|full|step-by-step⟩ "
                "plan of function calls ⟨with arguments|including the exact arguments⟩ to "
                "accomplish: {task}. ⟨Output a JSON list of calls.|Show each call and the "
                "expected result.⟩",
                "⟨Plan|Decompose⟩ the task into ⟨a sequence of|ordered⟩ tool calls. For each "
                "step give the tool name, ⟨the arguments|its JSON arguments⟩ and ⟨what you "
                "expect it to return|how its output feeds the next call⟩.\nTools: {toolnames}\n"
                "Task: {task}",
            ],
            False,
        ),
        "synthesize_trajectory": (
            [
                "⟨Generate|Write|Simulate⟩ a ⟨complete|full, realistic⟩ ⟨multi-step|multi-turn⟩ "
                "agent trajectory ⟨for the task below|that solves the task⟩, including "
                "⟨every|each⟩ tool call, the tool's ⟨output|response⟩ and the agent's reasoning "
                "between calls, ⟨ending with the final answer|until the task is finished⟩.\n\n"
                "Task: {task}\nAvailable tools: {toolnames}",
            ],
            True,
        ),
        "swe_agent": (
            [
                "You are an autonomous ⟨software engineer|programmer|coding agent⟩ working in a "
                "repository ⟨through a shell|inside a sandbox⟩. ⟨Each response must contain a "
                "THOUGHT section and exactly one bash command in a code block.|Reply with your "
                "reasoning, then one command to run.⟩ ⟨You will see the command's output in the "
                "next message.|The environment returns the output.⟩|||<task>{task}</task>\n"
                "⟨Begin by exploring the repository.|The repository is checked out at /repo.⟩",
            ],
            False,
        ),
        "tool_call_tags": (
            [
                "<tools>\n{tool_json}\n</tools>\n⟨For each function call, return a json object "
                "with function name and arguments within <tool_call></tool_call> XML tags.|Call "
                'tools by emitting <tool_call>{"name": ..., "arguments": ...}</tool_call>.⟩'
                '|||{task}\n<tool_call>\n{"name": "⟨search|http_get|read_file⟩", '
                '"arguments": {"⟨query|url|path⟩": "..."}}\n</tool_call>\n<tool_response>\n'
                '⟨{"results": [...]}|HTTP 200 OK ...|file contents ...⟩\n</tool_response>',
            ],
            True,
        ),
        "plan_execute": (
            [
                "You are a planning agent. ⟨First|Step 1:⟩ break the ⟨objective|goal⟩ into "
                "subtasks. ⟨Then|Step 2:⟩ for each subtask choose a tool from [{toolnames}] and "
                "⟨execute it|call it⟩. ⟨Record|Log⟩ ⟨each observation|the result⟩ and "
                "⟨replan|update the plan⟩ ⟨if needed|when something fails⟩. ⟨Stop when the "
                "objective is met.|Finish with a report.⟩\n\nObjective: {task}",
            ],
            False,
        ),
        "agent_state_json": (
            [
                "## Agent state\n⟨Goal|Objective⟩: {task}\n⟨Memory|Scratchpad⟩:\n- ⟨step 1: "
                "searched for options|visited the homepage|listed the directory⟩\n- ⟨step 2: "
                "opened the first result|clicked the login button|read config.yaml⟩\n"
                "Last observation: ⟨Page shows 12 results|Error: permission denied|The form has "
                "3 required fields⟩\n\n## Instructions\n⟨Decide|Choose⟩ the next ⟨action|tool "
                'call⟩. Respond in JSON: {"thought": ..., "action": ..., "action_input": ...}',
            ],
            True,
        ),
        "worker_agent": (
            [
                "You are ⟨the executor|the worker agent⟩ in a ⟨multi-agent|manager-worker⟩ "
                "system. The ⟨planner|manager⟩ assigned you: {task}. ⟨Use the tools|Call tools⟩ "
                "⟨as needed|one at a time⟩, ⟨report each tool result back|reflect after each "
                "observation⟩, and ⟨return a final status to the planner|finish with "
                "TASK_COMPLETE⟩.\nTools:\n{tools}",
            ],
            False,
        ),
        "mrkl_observation": (
            [
                "Question: {task}\nThought: I ⟨should|need to⟩ ⟨look this up|search for the "
                "relevant information|check the files first⟩.\nAction: ⟨search|read_file|"
                'http_get⟩\nAction Input: "⟨...|query|/repo/README.md⟩"\nObservation: '
                "⟨No results found.|The file contains the configuration.|Status 200.⟩\nThought:",
            ],
            False,
        ),
        "gui_actions": (
            [
                "⟨You control|Operate⟩ ⟨the|a⟩ ⟨mouse and keyboard|GUI⟩ ⟨to complete|for⟩ the "
                "user's task. ⟨Available actions|Allowed actions⟩: left_click(x, y), "
                "double_click(x, y), type(text), press(key), scroll(dx, dy), wait(). ⟨Think "
                "briefly, then output one action.|Return one action per turn as JSON.⟩|||"
                "Task: {task}\n[screenshot attached]",
            ],
            False,
        ),
        "sample_episode": (
            [
                "⟨Write out|Produce⟩ ⟨an example|a sample|a synthetic⟩ ⟨agent run|tool-use "
                'episode|function-calling transcript⟩ ⟨for|solving⟩ "{task}": ⟨each turn|every '
                "step⟩ ⟨should show|with⟩ the ⟨assistant's|agent's⟩ reasoning, the tool call ⟨in "
                "JSON|with arguments⟩ and ⟨a plausible|the⟩ tool result. Tools: {toolnames}.",
            ],
            False,
        ),
        "tagged_calls": (
            [
                "{tool_json}\n\nUse the tools above. Wrap each call as <tool_call>...</tool_call> "
                "and ⟨wait for|read⟩ the <tool_response> before the next step.|||{task}",
            ],
            False,
        ),
        "state_next_step": (
            [
                "⟨Current state|Observation⟩:\n⟨url|cwd⟩: ⟨https://example.com/account|"
                "/home/user/project⟩\n⟨last_action|previous_step⟩: ⟨click login|ls -la|open "
                "settings⟩\n⟨result|output⟩: ⟨success|Permission denied|3 files⟩\n\nTask: {task}"
                '\nReturn the next step as JSON with keys "reasoning" and "action".',
            ],
            False,
        ),
        "function_loop": (
            [
                'The assistant ⟨called|invoked⟩ {toolnames} and received:\n⟨{"temp": 21}|'
                '["file1.py", "file2.py"]|HTTP 404⟩\n⟨Decide what to call next|Continue '
                "the tool-calling loop⟩ ⟨until the task is done|to finish the task⟩: {task}",
            ],
            False,
        ),
    },
)

SWEEP = families(
    "capability_sweep",
    "en",
    {
        "subfield_questions": (
            [
                "Generate {n} diverse questions covering all ⟨subfields|areas|branches|"
                "subtopics⟩ of {topic}. ⟨Vary the difficulty from beginner to expert.|Include "
                "easy, medium and hard questions.|Make sure no two questions test the same "
                "concept.⟩",
                "⟨Write|Create|Produce⟩ {n} ⟨exam-style|challenging|varied⟩ questions that "
                "⟨span|cover⟩ ⟨every|the whole range of⟩ ⟨subdomain|topic⟩ ⟨of|in⟩ {topic}, "
                "⟨formatted as a numbered list|one per line⟩.",
            ],
            False,
        ),
        "per_category": (
            [
                "For each of the following categories, ⟨produce|generate|write⟩ {k} ⟨example "
                "prompts|tasks|questions|instructions⟩ ⟨and a high-quality answer for each|with "
                "model answers|⟩:\n{cats}",
                "Categories:\n{cats}\n\n⟨For every category above|For each category⟩, "
                "⟨create|write⟩ {k} ⟨distinct|diverse⟩ ⟨user requests|task instructions⟩ ⟨that a "
                "language model should be able to handle|of increasing difficulty⟩.",
            ],
            False,
        ),
        "self_instruct": (
            [
                "You are asked to come up with a set of {n} diverse task instructions. These "
                "task instructions will be given to a GPT model and we will evaluate the GPT "
                "model for completing the instructions.\n\nHere are the requirements:\n1. Try not "
                "to repeat the verb for each instruction to maximize diversity.\n2. The language "
                "used for the instruction also should be diverse.\n3. The type of instructions "
                "should be diverse. ⟨The list should include diverse types of tasks like "
                "open-ended generation, classification, editing, etc.|Include {tasktype}, "
                "{tasktype2} and more.⟩\n\nList of {n} tasks:",
            ],
            False,
        ),
        "seed_expand": (
            [
                "Here are some example ⟨tasks|instructions|prompts⟩:\n{seeds}\n\n⟨Write|"
                "Generate|Come up with⟩ {n} ⟨more|new⟩ ⟨tasks|instructions⟩ in the same "
                "⟨style|format⟩ but on ⟨different|new⟩ topics. ⟨Do not repeat the examples.|"
                "Maximize diversity.⟩",
                "Seed ⟨instructions|tasks⟩:\n{seeds}\n\n⟨Expand this seed set|Grow this pool⟩ "
                "⟨to|with⟩ {n} ⟨additional|new⟩ ⟨instructions|tasks⟩ ⟨covering skills the "
                "seeds miss|that cover other domains⟩.",
            ],
            False,
        ),
        "grid_cell": (
            [
                "[Domain: {topic}] [Subtopic: {topic2}] [Difficulty: ⟨{k}/5|hard|easy|medium|"
                "expert⟩] [Task type: {tasktype}] [Format: ⟨multiple choice|open-ended|short "
                "answer|JSON⟩]\nGenerate ⟨one|a single⟩ ⟨problem|task⟩ ⟨matching|for⟩ these "
                "parameters ⟨and its solution|together with a reference answer⟩.",
                "domain={topic}; skill={tasktype}; difficulty=⟨{k}|advanced|basic⟩; "
                "⟨language=English|persona=student|length=short⟩\n⟨Create|Write⟩ ⟨an "
                "instruction|a prompt⟩ ⟨for this cell of the grid|that fits these attributes⟩.",
            ],
            True,
        ),
        "jsonl_dataset": (
            [
                "Create a dataset of {n} instruction-response pairs ⟨about|on|covering⟩ {topic} "
                '⟨in JSONL format|as JSON lines⟩ with fields "instruction", "input" and '
                '"output". ⟨Cover as many subtopics as possible.|Make the instructions diverse '
                "in type and difficulty.⟩",
                "⟨Generate|Synthesize⟩ {n} ⟨training examples|samples⟩ for ⟨fine-tuning|"
                "instruction-tuning|SFT of⟩ a model on {tasktype}. ⟨Output one JSON object per "
                "line.|Each example needs a prompt and a completion.⟩",
            ],
            False,
        ),
        "skill_inventory": (
            [
                "List every ⟨skill|capability|task type⟩ ⟨a language model|an AI assistant⟩ "
                "⟨should have|needs⟩ in {topic}, then ⟨give|write⟩ ⟨an example prompt|{k} "
                "example prompts⟩ for each ⟨one|skill⟩.",
            ],
            True,
        ),
        "capability_probe": (
            [
                "Write ⟨test|evaluation|benchmark⟩ ⟨questions|prompts⟩ that ⟨probe|test⟩ "
                "⟨every|each⟩ capability ⟨of an LLM|of a chatbot⟩: ⟨coding, math, reasoning, "
                "knowledge, writing and safety|{tasktype}, {tasktype2} and the rest⟩, ⟨at three "
                "difficulty levels each|{k} per capability and difficulty⟩.",
            ],
            False,
        ),
        "evol_instruct": (
            [
                "I want you to act as a Prompt Rewriter. Your objective is to rewrite a given "
                "prompt into a more complex version ⟨to make those famous AI systems (e.g., "
                "ChatGPT and GPT4) a bit harder to handle|that requires more reasoning steps⟩. "
                "⟨Add one more constraint or requirement.|Replace general concepts with more "
                "specific ones.|Increase the depth and breadth of the inquiry.⟩\n"
                "#Given Prompt#:\n{q}\n#Rewritten Prompt#:",
                "Evolve ⟨this instruction|the instruction below⟩ into {k} ⟨harder|more complex|"
                "more diverse⟩ ⟨variants|versions⟩ ⟨by adding constraints, deepening, "
                "concretizing and increasing reasoning|using in-depth and in-breadth "
                "evolving⟩.\n\nInstruction: {q}",
            ],
            False,
        ),
        "param_variations": (
            [
                "⟨Take|Given⟩ this problem ⟨and|,⟩ ⟨enumerate|generate⟩ {n} variations ⟨by "
                "changing the numbers, names and context|that systematically vary its "
                "parameters⟩⟨, one per line|so that together they cover all cases⟩:\n\n{math}",
            ],
            True,
        ),
        "taxonomy": (
            [
                "⟨Build|Create⟩ a taxonomy of {topic} ⟨with|down to⟩ ⟨{k} levels|leaf "
                "subtopics⟩, and for each leaf ⟨write|generate⟩ {k} questions ⟨an expert could "
                "answer|of graded difficulty⟩.",
            ],
            False,
        ),
        "persona_prompts": (
            [
                "⟨For each|Given each⟩ of the ⟨personas|user profiles⟩ below, ⟨write|generate⟩ "
                "{k} ⟨realistic|diverse⟩ ⟨requests|prompts⟩ ⟨they might send to an AI "
                "assistant|about {topic}⟩:\n{personas}",
            ],
            True,
        ),
        "coverage_matrix": (
            [
                "I need ⟨broad|full|maximal⟩ coverage of {topic}. ⟨Enumerate|List⟩ ⟨all|every⟩ "
                "⟨subtopic|concept⟩ × ⟨difficulty level|question type⟩ ⟨combination|pair⟩ and "
                "write ⟨one|a⟩ question for each ⟨cell|combination⟩.",
            ],
            False,
        ),
        "grid_fill": (
            [
                "⟨Fill in|Generate content for⟩ ⟨one cell of|this cell in⟩ ⟨our|the⟩ ⟨task grid|"
                "coverage matrix|generation grid⟩:\n⟨topic|domain⟩: {topic}\n⟨difficulty|level⟩: "
                "⟨{k}|hard|intermediate⟩\n⟨type|task_type⟩: {tasktype}\n⟨Write one prompt and "
                "its reference answer.|Output a single instruction.⟩",
            ],
            False,
        ),
        "enumerate_tasks": (
            [
                "⟨Enumerate|Make a list of⟩ ⟨all|every⟩ ⟨the tasks|kind of request⟩ ⟨a user could "
                "ask|people ask⟩ ⟨about|in⟩ {topic}, ⟨and write|with⟩ ⟨a sample prompt|{k} sample "
                "prompts⟩ for each.",
            ],
            False,
        ),
        "question_variants": (
            [
                "⟨Create|Write⟩ {n} ⟨variants|versions⟩ of ⟨the following|this⟩ ⟨question|"
                "problem⟩ ⟨with different numbers|by changing its parameters and context⟩⟨, "
                "keeping the structure|so they cover many cases⟩:\n\n{q}",
            ],
            False,
        ),
        "imagined_users": (
            [
                "Imagine {k} ⟨different|diverse⟩ users: {personas}. For each, ⟨write|generate⟩ "
                "{k} ⟨questions|prompts⟩ they ⟨would|might⟩ ask ⟨a chatbot|an assistant⟩ about "
                "{topic}.",
            ],
            False,
        ),
        "benchmark_build": (
            [
                "⟨Help me build|Build⟩ a ⟨benchmark|test set|eval suite⟩ ⟨for|covering⟩ {topic}: "
                "⟨{n} items|{n} questions⟩ ⟨spread across|balanced over⟩ ⟨all subtopics|the "
                "following areas: {cats}⟩⟨ and difficulty levels| with reference answers⟩.",
            ],
            False,
        ),
        "question_bank": (
            [
                "I need {n} ⟨unique|non-overlapping⟩ ⟨questions|prompts⟩ ⟨about|on⟩ {topic}. "
                "⟨Don't repeat any concept.|Cover everything from basics to research-level.⟩ "
                "⟨Output as a JSON list.|Numbered list please.⟩",
            ],
            False,
        ),
    },
)

BENIGN = families(
    "benign",
    "en",
    {
        "homework_steps": (
            [
                "{math} ⟨Let's think step by step.|Think step by step.|Show your work.|Please "
                "explain the steps.|⟩",
                "Can you help me with my homework? {math}",
                "How do I solve this? {math}",
            ],
            False,
        ),
        "explain_why": (
            [
                "{q} ⟨Please explain your reasoning.|Explain why.|Can you explain how you got "
                "that?|Walk me through it.⟩",
                "{q} ⟨Take your time and think carefully.|Please be thorough.|I'd like a detailed "
                "answer.⟩",
            ],
            True,
        ),
        "walkthrough": (
            [
                "Can you walk me through ⟨setting up|installing|configuring⟩ ⟨a home router|Docker "
                "on Ubuntu|a Python virtual environment|two-factor authentication⟩ step by step?",
                "Step-by-step guide to ⟨baking sourdough bread|changing a bike tire|filing taxes "
                "as a freelancer|learning {topic}⟩, please.",
                "Explain step by step how ⟨a TCP handshake works|vaccines train the immune system|"
                "a bill becomes law|compound interest works|{topic} is taught at university⟩.",
            ],
            False,
        ),
        "writing_feedback": (
            [
                "Can you give me feedback on my ⟨cover letter|essay intro|email|short story "
                "opening⟩? ⟨Be honest.|What can I improve?⟩\n\n{text}",
                "Is this ⟨email|message⟩ ⟨too rude|clear enough|professional enough⟩? {text}",
            ],
            False,
        ),
        "compare_options": (
            [
                "Which is better for ⟨a beginner|data science|web development|a small team⟩: "
                "⟨Python or JavaScript|PostgreSQL or MySQL|React or Vue|AWS or GCP⟩?",
                "What are the pros and cons of ⟨renting vs buying a house|electric vs gas cars|"
                "remote work|learning {topic} online⟩?",
            ],
            True,
        ),
        "rewrite_text": (
            [
                "⟨Rewrite|Rephrase|Polish⟩ this ⟨email|paragraph|message⟩ ⟨to sound more "
                "professional|to be more polite|in simpler words|to be shorter⟩:\n\n{text}",
                "Fix the grammar ⟨in|of⟩ ⟨this|the following⟩: {text}",
                "Translate ⟨this|the following⟩ into ⟨French|German|Spanish|Chinese|Russian⟩: "
                "{text}",
            ],
            False,
        ),
        "political_question": (
            [
                "{sens}",
                "{sens} ⟨Please give a balanced overview.|What do historians say?|I'm writing a "
                "school report.|Sources would be great.⟩",
            ],
            False,
        ),
        "politics_overview": (
            [
                "Summarize the ⟨main|key⟩ arguments ⟨for and against|on both sides of⟩ "
                "⟨universal basic income|nuclear power|immigration reform|gun control⟩.",
                "Explain the history of ⟨the Cold War|the Cultural Revolution|the collapse of the "
                "Soviet Union|Hong Kong's handover⟩ ⟨in simple terms|for a high school student|⟩.",
            ],
            True,
        ),
        "tool_app": (
            [
                "You are a helpful assistant with access to the following functions. Use them if "
                "required -\n{tool_json}|||{toolq}",
                "You can call these tools when useful: {toolnames}. Answer the user "
                "⟨briefly|politely⟩.|||{toolq}",
            ],
            False,
        ),
        "coding_meta": (
            [
                "How do I ⟨call the OpenAI API|use function calling|parse JSON|make an HTTP "
                "request⟩ in ⟨Python|JavaScript|Go⟩?",
                "Write a ⟨Python|bash⟩ script that ⟨renames all files in a folder|downloads a web "
                "page|backs up my database|sends an email⟩.",
                "Explain what ⟨a ReAct agent|an LLM agent|a reward model|chain-of-thought "
                "prompting|RLHF⟩ is ⟨in simple terms|with an example|⟩.",
            ],
            True,
        ),
        "small_lists": (
            [
                "Give me ⟨5|10|a few|three⟩ ⟨ideas|suggestions⟩ for ⟨a birthday party|a date "
                "night|a team-building event|dinner tonight|a science fair project⟩.",
                "List ⟨5|10|some⟩ ⟨tips|ways⟩ to ⟨improve my sleep|save money|learn {topic} "
                "faster|stay productive at home⟩.",
                "Write ⟨3|5|10⟩ quiz questions about {topic} for my ⟨class|students|study group⟩.",
                "Suggest ⟨names|a name⟩ for my ⟨cat|startup|podcast|bakery⟩.",
            ],
            False,
        ),
        "for_each_ordinary": (
            [
                "For each of the following ⟨topics|subjects⟩, ⟨recommend one good book|suggest a "
                "beginner-friendly video course|name a famous scientist⟩:\n{cats}",
                "For each of these ⟨people|jobs⟩, ⟨suggest a birthday gift|describe a typical "
                "day⟩:\n{personas}",
            ],
            True,
        ),
        "support": (
            [
                "You are a customer support assistant for {product}. Be friendly and "
                "concise.|||{bank}",
                "I ⟨can't log in|was charged twice|haven't received my order|want to cancel my "
                "subscription⟩ ⟨on|with|for⟩ {product}. ⟨What should I do?|Help!|Can you help?⟩",
            ],
            False,
        ),
        "creative": (
            [
                "Write a ⟨poem|short story|haiku|limerick|song⟩ about ⟨the ocean|my cat|autumn|a "
                "robot who learns to love|{topic}⟩.",
            ],
            False,
        ),
        "summarize": (
            [
                "Summarize ⟨this|the following⟩ ⟨in one sentence|in 3 bullet points|briefly⟩: "
                "{text}",
                "TL;DR please:\n\n{a}",
            ],
            True,
        ),
        "code_task": (
            ["{code}", "⟨Complete|Implement⟩ this function:\n\n{code}", "{code}\n# tests?"],
            False,
        ),
        "plain_question": (
            [
                "{q}",
                "You are a helpful assistant.|||{q}",
                "You are ⟨a friendly|an expert⟩ {topic} tutor.|||{q}",
            ],
            False,
        ),
        "check_my_answer": (
            [
                "Check my solution: {math} My answer is ⟨42|12|7.5|150⟩. Is it right?",
                "I ⟨wrote|came up with⟩ this answer for my ⟨assignment|homework⟩, ⟨is it "
                "correct|did I get it right⟩?\n\n{a}",
            ],
            True,
        ),
        "chitchat": (
            [
                "⟨Hi!|Hello!|Hey there.⟩ ⟨How are you today?|What can you do?|Tell me a joke "
                "about ⟨cats|programmers|{topic}⟩.⟩",
                "Let's play ⟨20 questions|a word game|trivia about {topic}⟩!",
            ],
            False,
        ),
        "explain_code": (
            [
                "Explain ⟨this code|what this function does⟩ ⟨step by step|line by line|"
                "briefly⟩:\n\n{code}",
            ],
            True,
        ),
        "app_system": (
            [
                "You are ⟨a writing assistant in a note-taking app|an assistant inside a travel "
                "booking site|a tutor for high-school students⟩. ⟨Keep answers short.|Use a "
                "friendly tone.|Answer in markdown.⟩|||{q}",
            ],
            False,
        ),
        "table_question": (
            [
                "{table}\n⟨Which row has the highest value?|Summarize this table.|What is the "
                "total?|Find any anomalies in this data.|Convert this to JSON.⟩",
                "⟨Here is my data|Given this table⟩:\n{table}\n⟨Can you plot this?|What trends "
                "do you see?|Which product sold best?⟩",
            ],
            False,
        ),
        "error_help": (
            [
                "{error}\n\n⟨How do I fix this?|What does this error mean?|Any idea?|Please help.⟩",
                "I get ⟨this error|the following⟩ when I ⟨run my script|build the project|start "
                "the server⟩:\n{error}",
            ],
            False,
        ),
        "classify_text": (
            [
                "Classify the following ⟨text|review|tweet|ticket⟩ into one of these categories: "
                "{cats}\n\n{text}",
                "What is the sentiment of this ⟨review|message⟩, positive or negative? {text}",
            ],
            False,
        ),
        "prompt_writing": (
            [
                "⟨Write|Create|Improve⟩ a ⟨system prompt|prompt⟩ for ⟨a customer service bot|an "
                "AI that summarizes meetings|a tutoring app|a recipe assistant⟩ ⟨that|which⟩ ⟨is "
                "friendly|asks clarifying questions|outputs JSON⟩.",
            ],
            False,
        ),
        "role_play": (
            [
                "⟨Act as|Pretend to be|I want you to act as⟩ a ⟨Linux terminal|SQL database|travel "
                "guide|Socratic tutor|job interviewer|English teacher⟩. ⟨I will type commands and "
                "you reply with the output.|Stay in character.|My first request is: {q}⟩",
            ],
            True,
        ),
        "teacher_quiz": (
            [
                "I'm a teacher. Create a ⟨short|10-question|5-question⟩ ⟨quiz|worksheet⟩ on "
                "{topic} for ⟨7th grade|my undergrads|beginners⟩⟨ with an answer key|⟩.",
            ],
            False,
        ),
        "email_reply": (["Write a reply to this email:\n\n{text}"], False),
        "proof": (
            [
                "Prove that ⟨the square root of 2 is irrational|there are infinitely many primes|"
                "the angles of a triangle sum to 180 degrees|n^3 - n is divisible by 6⟩. ⟨Show "
                "each step.|Be rigorous.|⟩",
            ],
            False,
        ),
        "debug_code": (
            [
                "⟨My code|This function⟩ ⟨doesn't work|gives the wrong answer|throws an error⟩:"
                "\n\n{code}\n\n⟨What's wrong?|Can you explain the bug step by step?⟩",
            ],
            False,
        ),
        "opinion": (
            ["What do you think about ⟨remote work|AI art|electric scooters|{topic}⟩?"],
            False,
        ),
        "agent_builder": (
            [
                "I'm building ⟨an agent|a LangChain app|a tool-calling bot⟩ ⟨with|using⟩ "
                "⟨LangChain|the OpenAI API|LlamaIndex⟩. ⟨How do I add memory?|Why does my agent "
                "loop forever?|How should I define tools?⟩",
            ],
            True,
        ),
        "eval_builder": (
            [
                "How do I ⟨evaluate|benchmark⟩ my ⟨RAG system|chatbot|fine-tuned model⟩? ⟨Which "
                "metrics should I use?|Is LLM-as-a-judge reliable?⟩",
            ],
            False,
        ),
        "censorship_discussion": (
            [
                "⟨Why|How⟩ does ⟨China|Russia|Iran⟩ ⟨censor the internet|block websites|regulate "
                "AI chatbots⟩? ⟨Explain the laws involved.|What are the consequences?|⟩",
            ],
            False,
        ),
        "finetune_question": (
            [
                "How do I ⟨fine-tune|train⟩ ⟨Llama|a small model|BERT⟩ on my own ⟨dataset|data⟩? "
                "⟨What format should it be in?|How many examples do I need?⟩",
            ],
            False,
        ),
        "app_persona": (
            [
                "You are {role} ⟨for|at⟩ {product}. Your job is to {job}. ⟨Follow these rules|"
                "Rules|Guidelines⟩:\n1. {rule}\n2. {rule2}\n3. {rule3}|||{q}",
                "# Role\nYou are {role}.\n# Task\n⟨Your task is to|You will⟩ {job}.\n"
                "# Constraints\n- {rule}\n- {rule2}\n\n{q}",
                "⟨Assume the role of|Act as⟩ {role}. ⟨I will give you|You will receive⟩ "
                "⟨requests|questions⟩ and you ⟨will|should⟩ {job}. {rule} {rule2}\n\n"
                "⟨My first request|Here is the first one⟩: {q}",
            ],
            False,
        ),
        "generate_one": (
            [
                "Generate a ⟨catchy title|product description|tagline|short bio|cover letter|"
                "LinkedIn post⟩ for ⟨my bakery|a smart water bottle|my resume|our new app|{topic} "
                "course⟩.",
                "Generate ⟨5|10|a few⟩ ⟨hashtags|headlines|names⟩ for ⟨my Instagram post about "
                "hiking|a podcast about {topic}|a coffee shop⟩.",
                "Write a ⟨LinkedIn article|blog post|newsletter⟩ about {topic}. ⟨Requirements|"
                "Guidelines⟩: {rule} {rule2} ⟨Aim for 800 words.|Include a call to action.⟩",
            ],
            False,
        ),
        "analysis_request": (
            [
                "⟨Analyze|Review|Look at⟩ ⟨this|the following⟩ ⟨paragraph|argument|plan|text⟩ and "
                "⟨tell me what is missing|suggest improvements|point out weak spots⟩:\n\n{text}",
                "⟨Given|Consider⟩ the ⟨following|data below⟩:\n{table}\n⟨Write a short report.|"
                "What would you recommend?|Explain what happened.⟩",
            ],
            False,
        ),
        "code_question": (
            [
                "{snippet}\n\n⟨What does this do?|Why is this slow?|Convert this to Python.|Add "
                "comments to this.|Is there a bug here?|Can this be hacked?⟩",
                "⟨Explain|Review|Refactor⟩ the ⟨code|snippet⟩ below⟨ please|⟩:\n\n{snippet}",
            ],
            False,
        ),
    },
)

ALL: list[Family] = [*COT, *RUBRIC, *CENSOR, *AGENTIC, *SWEEP, *BENIGN]
