import type { Table } from '../i18n';
import pt from './pt';

/** Brazilian Portuguese: European Portuguese with what Brazil says differently. */
const ptBr: Table = {
  ...pt,
  agent: 'Suporte',
  title: 'Fale conosco',
  placeholder: 'Digite uma mensagem…',
  sending: 'Enviando…',
  typing: '{name} está digitando…',
  left: 'one:Resta {n} caractere|other:Restam {n} caracteres',
  reconnecting: 'Conexão perdida. Reconectando…',
  stopped: 'O chat não está disponível no momento.',
  formTitle: 'Deixe seus dados',
  formOffline: 'Estamos ausentes no momento. Deixe seus dados e entraremos em contato.',
  held: 'Sua mensagem',
  badEmail: 'Digite um e-mail válido.',
  badPhone: 'Digite um número de telefone válido.',
  formFailed: 'Algo deu errado. Tente novamente.',
  loading: 'Carregando…',
  loadingOlder: 'Carregando mensagens anteriores…',
  attach: 'Anexar um arquivo',
  drop: 'Solte aqui um arquivo para enviá-lo',
  uploading: 'Enviando {name}…',
  upBig: 'O arquivo é grande demais.',
  upType: 'Este tipo de arquivo não é permitido.',
  upGone: 'O arquivo não está mais disponível.',
  download: 'Baixar {name}',
  rateAsk: 'Como foi esta conversa?',
  good: 'Boa',
  bad: 'Ruim',
  thanks: 'Obrigado pelo seu feedback!',
  transcript: 'Baixar a transcrição',
  end: 'Encerrar o chat',
};
export default ptBr;
